import { utimesSync } from 'node:fs';
import * as nodePath from 'node:path';
import { Readable } from 'node:stream';
import { parseDigest } from '../../../server/oci/digest.js';
import { paths } from '../../../server/storage/paths.js';
import type { Store } from '../../../server/storage/store.js';
import { sha256 } from '../../support/registry-client.js';

const MT_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
export const DAY = 24 * 3600 * 1000;

/** Stores a blob in `name` and returns its digest and size. */
export async function blob(store: Store, name: string, content: string): Promise<{ digest: string; size: number }> {
  const { digest } = await store.blobs.ingest(Readable.from([Buffer.from(content)]));
  await store.repositories.linkBlob(name, digest);
  return { digest: digest.value, size: Buffer.byteLength(content) };
}

/** An image of a config and the given layers (contents), pushed under `tag` (or by digest); returns what it stored. */
export async function image(store: Store, name: string, seed: string, tag: string | null, layers: string[] = [`layer ${seed}`]): Promise<{ digest: string; blobs: string[]; bytes: number }> {
  const config = await blob(store, name, `config ${seed}`);
  const stored = await Promise.all(layers.map((l) => blob(store, name, l)));
  const body = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MT_MANIFEST,
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: config.digest, size: config.size },
      layers: stored.map((l) => ({ mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: l.digest, size: l.size })),
    }),
  );
  const digest = sha256(body);
  await store.repositories.putManifest(name, tag === null ? { digest: parseDigest(digest) } : { tag }, body, MT_MANIFEST);
  return { digest, blobs: [config.digest, ...stored.map((l) => l.digest)], bytes: body.byteLength + config.size + stored.reduce((n, l) => n + l.size, 0) };
}

/** Sets when a tag was pushed (its link's modification time) on a local store rooted at `root`. */
export function pushedAt(root: string, name: string, tag: string, at: Date): void {
  utimesSync(nodePath.join(root, paths.tagLink(name, tag)), at, at);
}
