import type { Store } from '../storage/store.js';
import { readArchive } from './entries.js';
import { planArchive, type ImportProgress } from './index.js';
import { nameImages } from './naming.js';
import { openSource, type ArchiveSource } from './source.js';
import { Staging } from './staging.js';

/** What importing an archive would create: its images, and the tags and untagged references they get. */
export interface ArchivePreview {
  readonly images: readonly { readonly index: number; readonly imageId?: string; readonly references: readonly string[] }[];
  /** `repo:tag` the import would point at its images. */
  readonly tags: readonly string[];
  /** Repositories an image without a name would go to, by digest only. */
  readonly untagged: readonly string[];
}

const PROGRESS_STEP = 1 << 20;

/**
 * The importer's reading and planning pass without the commit: the archive is read and every image verified
 * exactly as `importArchive` does (so a preview fails where the import would), named with the same options,
 * and its staged bytes are discarded. No blob, manifest or tag reaches the store.
 */
export async function previewArchive(
  store: Store,
  source: ArchiveSource,
  options: { readonly tag?: string; readonly signal?: AbortSignal; readonly onProgress?: (p: ImportProgress) => void } = {},
): Promise<ArchivePreview> {
  const { signal } = options;
  signal?.throwIfAborted();
  const { readable, totalBytes } = await openSource(source);
  const total = totalBytes !== undefined ? { totalBytes } : {};
  let reported = -PROGRESS_STEP;
  let bytesRead = 0;
  const staging = new Staging(store.blobs);
  try {
    const entries = await readArchive(readable, staging, {
      ...total,
      ...(signal ? { signal } : {}),
      onRead: (n) => {
        bytesRead = n;
        if (n - reported < PROGRESS_STEP) return;
        reported = n;
        options.onProgress?.({ phase: 'reading', bytesRead: n, ...total });
      },
    });
    signal?.throwIfAborted();
    // The last bytes rarely make a step: the job ends showing all it read.
    options.onProgress?.({ phase: 'verifying', bytesRead, ...total });
    const images = await planArchive(entries, staging);
    const named = nameImages(images, options.tag !== undefined ? { tag: options.tag } : {});
    const tags: string[] = [];
    const untagged: string[] = [];
    const list = named.map(({ image, targets }) => {
      const references: string[] = [];
      for (const t of targets) {
        if (t.tag === undefined) {
          untagged.push(t.repository);
          references.push(t.repository);
        } else {
          tags.push(`${t.repository}:${t.tag}`);
          references.push(`${t.repository}:${t.tag}`);
        }
      }
      return { index: image.index, ...(image.imageId ? { imageId: image.imageId } : {}), references };
    });
    return { images: list, tags, untagged };
  } catch (err) {
    readable.destroy();
    throw signal?.aborted ? (signal.reason ?? err) : err;
  } finally {
    await staging.discard();
  }
}
