import { darwinHosts } from './darwin.js';
import { linuxHosts } from './linux.js';
import type { HostsPlatform } from './platform.js';
import { win32Hosts } from './win32.js';

/** The hosts-file specifics of this OS, chosen once. */
export function hostsPlatform(platform: NodeJS.Platform = process.platform): HostsPlatform {
  if (platform === 'darwin') return darwinHosts;
  if (platform === 'win32') return win32Hosts;
  return linuxHosts;
}
