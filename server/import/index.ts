import type { Readable } from 'node:stream';
import type { Store } from '../storage/store.js';
import { commitImages } from './commit.js';
import { planDockerArchive } from './docker-archive.js';
import { readArchive, type ArchiveEntry } from './entries.js';
import { archiveInvalid } from './limits.js';
import { nameImages } from './naming.js';
import { planOciLayout } from './oci-layout.js';
import type { ArchiveImage } from './plan.js';
import { openSource } from './source.js';
import { Staging } from './staging.js';

export interface ImportOptions {
  /** Override the target repo:tag (for a single-image archive), or per image by index. */
  readonly tag?: string;
  readonly tags?: Readonly<Record<number, string>>;
  readonly compress?: boolean; // gzip layers while importing
  readonly signal?: AbortSignal; // cancellation: stop at once, no tag points to an incomplete image
  readonly onProgress?: (p: ImportProgress) => void;
}
export interface ImportProgress {
  readonly phase: 'reading' | 'verifying' | 'committing' | 'done';
  readonly bytesRead: number;
  readonly totalBytes?: number;
  readonly image?: string; // repo:tag or digest being processed
  readonly layer?: string; // digest or entry name
}
export interface ImportSummary {
  readonly images: readonly { readonly repository: string; readonly tags: readonly string[]; readonly digest: string; readonly mediaType: string; readonly imageId?: string }[];
  readonly tags: readonly string[]; // "repo:tag" strings created/moved
  readonly untagged: readonly string[]; // "repo@digest" of images reachable by digest only
  readonly bytesNew: number;
  readonly bytesExisting: number;
}

/** Progress while reading is reported at most once per this many bytes (and at each new entry). */
const PROGRESS_STEP = 1 << 20;

/**
 * Imports a `docker save` / `skopeo copy` archive (legacy docker-archive or OCI layout, plain or gzip,
 * told apart by content) into the store, reading it once. Nothing is visible until every image has been
 * verified; then blobs, manifests and tags are written, tags last. See docs/import.md.
 */
export async function importArchive(store: Store, source: { readonly path: string } | { readonly stream: Readable; readonly size?: number }, options: ImportOptions = {}): Promise<ImportSummary> {
  const { signal } = options;
  signal?.throwIfAborted();
  const { readable, totalBytes } = await openSource(source);
  const total = totalBytes !== undefined ? { totalBytes } : {};
  let bytesRead = 0;
  let reported = -PROGRESS_STEP;
  let lastEntry: string | undefined;
  const report = (p: Omit<ImportProgress, 'bytesRead' | 'totalBytes'>): void => options.onProgress?.({ ...p, bytesRead, ...total });

  const staging = new Staging(store.blobs);
  try {
    const entries = await readArchive(readable, staging, {
      ...total,
      ...(signal ? { signal } : {}),
      onRead: (n, entry) => {
        bytesRead = n;
        if (n - reported >= PROGRESS_STEP || entry !== lastEntry) {
          reported = n;
          lastEntry = entry;
          report({ phase: 'reading', ...(entry !== undefined ? { layer: entry } : {}) });
        }
      },
    });
    signal?.throwIfAborted();
    if (reported !== bytesRead) report({ phase: 'reading' }); // the last bytes (tar padding) did not make a step
    report({ phase: 'verifying' });
    const images = await planArchive(entries, staging);
    const named = nameImages(images, options);
    signal?.throwIfAborted();
    report({ phase: 'committing' });
    const result = await commitImages(store, staging, named, {
      compress: options.compress === true,
      ...(signal ? { signal } : {}),
      onStep: (image, layer) => report({ phase: 'committing', ...(image !== undefined ? { image } : {}), ...(layer !== undefined ? { layer } : {}) }),
    });
    report({ phase: 'done' });
    return result;
  } catch (err) {
    readable.destroy();
    throw signal?.aborted ? (signal.reason ?? err) : err;
  } finally {
    await staging.discard();
  }
}

/** Tells the layout apart by content; an archive with both (Docker 25+) is read as an OCI layout, keeping its digests. */
export async function planArchive(entries: ReadonlyMap<string, ArchiveEntry>, staging: Staging): Promise<ArchiveImage[]> {
  const doc = (name: string): Buffer | undefined => {
    const e = entries.get(name);
    return e?.kind === 'document' ? e.body : undefined;
  };
  const layout = doc('oci-layout');
  const index = doc('index.json');
  const manifest = doc('manifest.json');
  let images: ArchiveImage[];
  if (layout && index) images = await planOciLayout(entries, staging, layout, index);
  else if (manifest) images = await planDockerArchive(entries, staging, manifest);
  else if (doc('repositories')) throw archiveInvalid('the archive has no manifest.json: the pre-1.10 `docker save` format (repositories and <id>/json only) is not supported');
  else throw archiveInvalid('not an image archive: it has neither manifest.json (docker save) nor oci-layout and index.json (OCI image layout)');
  if (images.length === 0) throw archiveInvalid('the archive lists no images');
  return images;
}

export { parseReference } from './references.js';
