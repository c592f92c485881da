import { posixWriteScript, type HostsPlatform } from './platform.js';

export const SCRIPT = posixWriteScript('sha256sum --', '');

export const linuxHosts: HostsPlatform = {
  defaultHostsPath: '/etc/hosts',
  eol: '\n',
  writeCommand: ({ temp, sha256, currentSha256, target }) => ({ program: '/bin/sh', args: ['-c', SCRIPT, 'berth-hosts', temp, sha256, currentSha256, target] }),
  // systemd-resolved and nscd are the caches Linux may have; plain nss-files needs nothing.
  flushCommands: [
    { program: 'resolvectl', args: ['flush-caches'] },
    { program: 'nscd', args: ['-i', 'hosts'] },
  ],
};
