import { readFile } from 'node:fs/promises';
import type { MirrorConfig } from './config.js';

export interface Credentials {
  readonly username: string;
  readonly password: string;
}

/**
 * Where a mirror's credentials come from. The server reads the configuration's password file; the desktop
 * app can pass a source backed by the OS keychain instead (falling back to this one).
 */
export type CredentialSource = (mirror: MirrorConfig) => Promise<Credentials | undefined>;

/** The configured `username` and the content of `password_file` (read on each use, so a rotation needs no restart). */
export const configCredentials: CredentialSource = async (mirror) => {
  if (mirror.username === undefined || mirror.passwordFile === undefined) return undefined;
  const password = (await readFile(mirror.passwordFile, 'utf8')).replace(/\r?\n$/, '');
  return { username: mirror.username, password };
};

/** Credentials travel only over TLS, or to this machine. */
export function mayCarryCredentials(url: URL): boolean {
  return url.protocol === 'https:' || url.hostname === 'localhost' || url.hostname === '[::1]' || /^127\./.test(url.hostname);
}
