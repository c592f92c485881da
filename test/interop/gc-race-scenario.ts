import { createHash, randomBytes } from 'node:crypto';
import * as fs from 'node:fs/promises';
import * as nodePath from 'node:path';
import { httpOnce } from './clients.js';

/**
 * Issue 11's repro of gc racing pushes, against real berth processes: push images, delete them by digest,
 * make their blobs older than the grace period, then push the same images again (by cross-repository
 * mount, or by uploading every blob again) while `berth gc` runs over and over. Every manifest answered
 * 201 must then be complete: each blob it names answers 200.
 */
export interface GcRaceTarget {
  /** Registry base URLs; requests alternate between them (workers behind one port, or two instances). */
  readonly urls: readonly string[];
  /** One complete `berth gc` run (a separate process). */
  gc(): Promise<void>;
  /** Makes everything stored older than the grace period (local disk: file times); absent when gc runs with grace 0. */
  age?(): Promise<void>;
}

export interface GcRaceResult {
  readonly images: number;
  /** Manifest PUTs answered 201. */
  readonly answered201: number;
  /** Pushes refused with a clear v2 error (a blob or the manifest named content gc had just removed). */
  readonly refused: number;
  /** 201 manifests that name a blob answering 404: what must never happen. */
  readonly broken: number;
  readonly gcRuns: number;
  /** Where the time went (for the log, never asserted). */
  readonly ms: { setup: number; race: number; check: number };
}

const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const sha256 = (b: Buffer): string => `sha256:${createHash('sha256').update(b).digest('hex')}`;

interface Image {
  readonly blobs: { digest: string; bytes: Buffer; mediaType: string }[];
  readonly manifest: Buffer;
}

function makeImage(i: number, shared: Buffer): Image {
  const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [] }, n: i, nonce: randomBytes(8).toString('hex') }));
  const layer = randomBytes(300 + i);
  const blobs = [
    { digest: sha256(config), bytes: config, mediaType: 'application/vnd.oci.image.config.v1+json' },
    { digest: sha256(shared), bytes: shared, mediaType: 'application/vnd.oci.image.layer.v1.tar' },
    { digest: sha256(layer), bytes: layer, mediaType: 'application/vnd.oci.image.layer.v1.tar' },
  ];
  const [cfg, ...layers] = blobs;
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      config: { mediaType: cfg?.mediaType, digest: cfg?.digest, size: cfg?.bytes.byteLength },
      layers: layers.map((l) => ({ mediaType: l.mediaType, digest: l.digest, size: l.bytes.byteLength })),
    }),
  );
  return { blobs, manifest };
}

/** A v2 error answer: JSON with an `errors` list (never a bare 500 or an empty body). */
function clearError(status: number, body: Buffer): boolean {
  if (status < 400 || status >= 500) return false;
  try {
    return Array.isArray((JSON.parse(body.toString()) as { errors?: unknown }).errors);
  } catch {
    return false;
  }
}

async function uploadBlob(base: string, name: string, blob: Image['blobs'][number]): Promise<number> {
  const res = await httpOnce(`${base}/v2/${name}/blobs/uploads/?digest=${blob.digest}`, { method: 'POST', headers: { 'Content-Type': 'application/octet-stream' }, body: blob.bytes });
  if (res.status !== 201 && !clearError(res.status, res.body)) throw new Error(`upload of ${blob.digest}: ${res.status} ${res.body.toString()}`);
  return res.status;
}

/** A cross-repository mount; when the blob is gone (202: a session instead), its bytes are uploaded. */
async function mountBlob(base: string, name: string, from: string, blob: Image['blobs'][number]): Promise<number> {
  const res = await httpOnce(`${base}/v2/${name}/blobs/uploads/?mount=${blob.digest}&from=${from}`, { method: 'POST' });
  if (res.status === 201) return 201;
  if (res.status !== 202) throw new Error(`mount of ${blob.digest}: ${res.status} ${res.body.toString()}`);
  const location = new URL(String(res.headers.location), base);
  location.searchParams.set('digest', blob.digest);
  const put = await httpOnce(location.toString(), { method: 'PUT', headers: { 'Content-Type': 'application/octet-stream' }, body: blob.bytes });
  if (put.status !== 201 && !clearError(put.status, put.body)) throw new Error(`upload after mount of ${blob.digest}: ${put.status} ${put.body.toString()}`);
  return put.status;
}

async function putManifest(base: string, name: string, reference: string, body: Buffer): Promise<{ status: number; body: Buffer }> {
  return httpOnce(`${base}/v2/${name}/manifests/${reference}`, { method: 'PUT', headers: { 'Content-Type': OCI_MANIFEST }, body });
}

/** Sets every file under `dir` two hours back, as `touch -d '2 hours ago'` does. */
export async function ageFiles(dir: string): Promise<void> {
  const when = new Date(Date.now() - 2 * 3600 * 1000);
  for (const entry of await fs.readdir(dir, { recursive: true, withFileTypes: true })) {
    if (entry.isFile()) await fs.utimes(nodePath.join(entry.parentPath, entry.name), when, when);
  }
}

export async function gcRace(target: GcRaceTarget, options: { path: 'mount' | 'upload'; images: number; prefix: string; concurrency?: number }): Promise<GcRaceResult> {
  const url = (i: number): string => target.urls[i % target.urls.length] as string;
  const shared = randomBytes(2048);
  const images = Array.from({ length: options.images }, (_, i) => makeImage(i, shared));
  const source = `${options.prefix}/src`;

  const t0 = Date.now();
  // Pushed, then deleted by digest: the blobs stay, unreferenced (and the source repository's links stay).
  await inParallel(images, 6, async (image, i) => {
    for (const blob of image.blobs) if ((await uploadBlob(url(i), source, blob)) !== 201) throw new Error('setup upload refused');
    const put = await putManifest(url(i), source, `i${i}`, image.manifest);
    if (put.status !== 201) throw new Error(`setup manifest: ${put.status} ${put.body.toString()}`);
    const del = await httpOnce(`${url(i + 1)}/v2/${source}/manifests/${sha256(image.manifest)}`, { method: 'DELETE' });
    if (del.status !== 202) throw new Error(`delete by digest: ${del.status} ${del.body.toString()}`);
  });
  await target.age?.();
  const t1 = Date.now();

  // gc over and over from the moment the pushes start; the pushes trickle (three at a time) so they land in
  // every phase of the runs, the few milliseconds between a run's last look and its deletes included.
  let done = false;
  let gcRuns = 0;
  let firstRunStarted: () => void = () => undefined;
  const firstRun = new Promise<void>((resolve) => (firstRunStarted = resolve));
  let gcFailed: unknown;
  const loop = (async () => {
    while (!done) {
      const running = target.gc();
      firstRunStarted();
      await running;
      gcRuns++;
    }
  })().catch((err: unknown) => {
    // A failed gc ends the loop; the pushes finish and the failure is reported after them.
    gcFailed = err;
    firstRunStarted();
  });

  const accepted: { name: string; tag: string; image: Image; base: string }[] = [];
  let refused = 0;
  try {
    await firstRun;
    await inParallel(images, options.concurrency ?? 3, async (image, i) => {
      const name = `${options.prefix}/again${i % 8}`;
      const statuses: number[] = [];
      for (const blob of image.blobs) {
        statuses.push(options.path === 'mount' ? await mountBlob(url(i), name, source, blob) : await uploadBlob(url(i + 1), name, blob));
      }
      if (statuses.some((s) => s !== 201)) return void refused++;
      const put = await putManifest(url(i), name, `i${i}`, image.manifest);
      if (put.status === 201) accepted.push({ name, tag: `i${i}`, image, base: url(i + 1) });
      else if (clearError(put.status, put.body)) refused++;
      else throw new Error(`manifest PUT: ${put.status} ${put.body.toString()}`);
    });
  } finally {
    done = true;
    await loop;
  }
  if (gcFailed !== undefined) throw gcFailed;
  // Whatever a gc that overlapped the pushes decided is carried out by now; one more run on top.
  await target.gc();
  gcRuns++;

  const t2 = Date.now();
  let broken = 0;
  for (const { name, tag, image, base } of accepted) {
    const manifest = await httpOnce(`${base}/v2/${name}/manifests/${tag}`, { headers: { Accept: OCI_MANIFEST } });
    let complete = manifest.status === 200 && manifest.body.equals(image.manifest);
    for (const blob of image.blobs) {
      const res = await httpOnce(`${base}/v2/${name}/blobs/${blob.digest}`, { method: 'HEAD' });
      if (res.status !== 200) complete = false;
    }
    if (!complete) broken++;
  }
  return { images: images.length, answered201: accepted.length, refused, broken, gcRuns, ms: { setup: t1 - t0, race: t2 - t1, check: Date.now() - t2 } };
}

async function inParallel<T>(items: readonly T[], concurrency: number, fn: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      await fn(items[i] as T, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
}
