import { rm } from 'node:fs/promises';
import * as nodePath from 'node:path';
import { inTurn, measureRows, type BenchContext } from '../context.js';
import { writeRandomBlob } from '../dir-image.js';
import { sizeLabel } from '../options.js';
import { execOk } from '../procs.js';
import type { Registry } from '../registries.js';
import { recordTransfer } from '../server-cost.js';
import { transferRow } from './core-transfer.js';

/**
 * One blob, no client logic: curl opens an upload session (POST), sends the whole file in one PUT
 * (streamed from disk with -T, no Expect: 100-continue round trip), then GETs it back to /dev/null.
 */

/** Seconds to upload `file` as one blob (POST, then one monolithic PUT). */
export async function uploadBlob(registry: Registry, repo: string, file: string, digest: string): Promise<number> {
  const opened = await execOk('curl', ['-sS', '-X', 'POST', '-H', 'Content-Length: 0', '-o', '/dev/null', '-D', '-', '-w', '%{http_code}', `${registry.url}/v2/${repo}/blobs/uploads/`]);
  const location = /^location:\s*(\S+)/im.exec(opened.stdout)?.[1];
  if (!opened.stdout.trimEnd().endsWith('202') || !location) throw new Error(`${registry.label}: POST upload did not answer 202 with a Location:\n${opened.stdout}`);
  const target = new URL(location, registry.url);
  target.searchParams.set('digest', digest);
  const sent = await execOk('curl', ['-sS', '-X', 'PUT', '-H', 'Content-Type: application/octet-stream', '-H', 'Expect:', '-T', file, '-o', '/dev/null', '-w', '%{http_code}', target.href]);
  if (sent.stdout.trim() !== '201') throw new Error(`${registry.label}: PUT of the blob answered ${sent.stdout.trim()}`);
  return opened.seconds + sent.seconds;
}

/** Seconds to GET the blob to /dev/null, checking its status and size. */
export async function downloadBlob(registry: Registry, repo: string, digest: string, size: number): Promise<number> {
  const got = await execOk('curl', ['-sS', '-L', '-o', '/dev/null', '-w', '%{http_code} %{size_download}', `${registry.url}/v2/${repo}/blobs/${digest}`]);
  if (got.stdout.trim() !== `200 ${size}`) throw new Error(`${registry.label}: GET of the blob answered ${got.stdout.trim()} (expected 200 ${size})`);
  return got.seconds;
}

export async function rawBlobRows(ctx: BenchContext, registries: readonly [Registry, Registry], size: number, reps: number): Promise<void> {
  const label = sizeLabel(size);
  // Issue 14's targets for the raw rows: upload at most 0.8x the reference's time, download 1.3x.
  const up = transferRow(
    `curl blob upload ${label}`,
    'POST to open a session + one monolithic PUT ?digest= with curl -T (new random blob, new repository per repetition)',
    { on: 'ratio', op: '<=', value: 0.8 },
    'upload',
  );
  const down = transferRow(`curl blob download ${label}`, 'GET of the blob just uploaded, to /dev/null', { on: 'ratio', op: '<=', value: 1.3 }, 'download');
  await measureRows(ctx, [up, down], reps, async (rep) => {
    const blob = await writeRandomBlob(nodePath.join(ctx.scratch, `raw-r${rep}`), size);
    const repo = `bench/raw-r${rep}`;
    try {
      for (const registry of inTurn(rep, registries)) await recordTransfer(up, registry, size, () => uploadBlob(registry, repo, blob.file, blob.digest));
      for (const registry of inTurn(rep, registries)) await recordTransfer(down, registry, size, () => downloadBlob(registry, repo, blob.digest, size));
    } finally {
      await rm(nodePath.dirname(blob.file), { recursive: true, force: true });
    }
  });
}
