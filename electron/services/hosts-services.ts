import { mkdir } from 'node:fs/promises';
import * as nodePath from 'node:path';
import { OsError } from '../os/exec.js';
import { validateHostname, validateIp } from '../os/hosts/hosts-block.js';
import { HostsEditor } from '../os/hosts/hosts-editor.js';
import { hostsPlatform } from '../os/hosts/index.js';
import type { BerthApi, HostsInfo } from '../shared/bridge.js';
import { bridged, type OsContext } from './os-context.js';

export type HostsMethod = 'getHostsEntry' | 'setHostsEntry' | 'removeHostsEntry';
export type HostsApi = Pick<BerthApi, HostsMethod>;

/** The hosts-file entry that points the settings' host name at this machine (written with elevation). */
export function createHostsApi(os: OsContext): HostsApi {
  const { options, platform } = os;
  const hostsTemp = nodePath.join(options.dataDir, 'tmp');
  const editor = new HostsEditor({
    target: options.hostsFile ?? hostsPlatform(platform).defaultHostsPath,
    tempDir: hostsTemp,
    platform: hostsPlatform(platform),
    os: platform,
    elevate: os.elevate,
    exec: os.exec,
    ...(options.clearHostResolverCache ? { clearResolverCache: options.clearHostResolverCache } : {}),
  });
  const hostsInfo = (state: { path: string; entries: { ip: string; hostname: string }[]; changed?: boolean }): HostsInfo => ({ ...state, hostname: os.hostname() });
  const customHostname = (): string => {
    const name = os.hostname();
    if (name === 'localhost') throw new OsError('invalid', 'localhost needs no hosts entry', 'Choose a host name in Settings first.');
    return validateHostname(name);
  };
  return {
    getHostsEntry: bridged(async () => hostsInfo(await editor.read())),
    setHostsEntry: bridged(async ({ ip }) => {
      await mkdir(hostsTemp, { recursive: true });
      return hostsInfo(await editor.set([{ ip: validateIp(ip ?? '127.0.0.1'), hostname: customHostname() }]));
    }),
    removeHostsEntry: bridged(async () => hostsInfo(await editor.remove())),
  };
}
