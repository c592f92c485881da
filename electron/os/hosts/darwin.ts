import { posixWriteScript, type HostsPlatform } from './platform.js';

// The flush needs root, so it rides along in the one elevated command instead of a second prompt.
export const SCRIPT = posixWriteScript('/usr/bin/shasum -a 256 --', '/usr/bin/dscacheutil -flushcache; /usr/bin/killall -HUP mDNSResponder || true');

export const darwinHosts: HostsPlatform = {
  defaultHostsPath: '/etc/hosts',
  eol: '\n',
  writeCommand: ({ temp, sha256, currentSha256, target }) => ({ program: '/bin/sh', args: ['-c', SCRIPT, 'berth-hosts', temp, sha256, currentSha256, target] }),
  flushCommands: [],
};
