import { rm } from 'node:fs/promises';
import { execOk } from './procs.js';

/** skopeo push and pull, timed as the whole `skopeo copy` process (start-up included, the same for both). */

export interface Endpoint {
  /** `127.0.0.1:PORT` */
  readonly address: string;
  /** For an HTTPS front: `user:password` and a directory holding the CA as `ca.crt`. */
  readonly creds?: string;
  readonly certDir?: string;
}

function destFlags(e: Endpoint): string[] {
  return e.certDir ? ['--dest-cert-dir', e.certDir, ...(e.creds ? ['--dest-creds', e.creds] : [])] : ['--dest-tls-verify=false'];
}

function srcFlags(e: Endpoint): string[] {
  return e.certDir ? ['--src-cert-dir', e.certDir, ...(e.creds ? ['--src-creds', e.creds] : [])] : ['--src-tls-verify=false'];
}

/** Seconds to push the `dir:` image at `dir` as `repo:tag`. */
export async function push(dir: string, e: Endpoint, repo: string, tag = 'v1'): Promise<number> {
  const r = await execOk('skopeo', ['copy', '--quiet', ...destFlags(e), `dir:${dir}`, `docker://${e.address}/${repo}:${tag}`]);
  return r.seconds;
}

/** Seconds to pull `repo:tag` into a fresh `dir:` at `dest` (removed afterwards). */
export function pull(dest: string, e: Endpoint, repo: string, tag = 'v1'): Promise<number> {
  return copyInto(dest, [...srcFlags(e), `docker://${e.address}/${repo}:${tag}`]);
}

/** Seconds for skopeo to copy the `dir:` image at `source` into a fresh `dir:` at `dest`: no server at all. */
export function copyDir(source: string, dest: string): Promise<number> {
  return copyInto(dest, [`dir:${source}`]);
}

async function copyInto(dest: string, source: readonly string[]): Promise<number> {
  await rm(dest, { recursive: true, force: true });
  try {
    const r = await execOk('skopeo', ['copy', '--quiet', ...source, `dir:${dest}`]);
    return r.seconds;
  } finally {
    await rm(dest, { recursive: true, force: true });
  }
}
