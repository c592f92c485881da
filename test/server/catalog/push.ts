import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as nodePath from 'node:path';
import { Readable } from 'node:stream';
import { digestOf } from '../../../server/oci/digest.js';
import { MediaType } from '../../../server/oci/media-types.js';
import { LocalDriver } from '../../../server/storage/drivers/local.js';
import { createStore, type Store } from '../../../server/storage/store.js';

export function scratchStore(): { root: string; store: Store } {
  const root = mkdtempSync(nodePath.join(tmpdir(), 'berth-catalog-'));
  return { root, store: createStore(new LocalDriver(root)) };
}

export interface PushedImage {
  readonly digest: string;
  readonly size: number;
  readonly layers: { digest: string; size: number }[];
  readonly config: { digest: string; size: number };
}

/** Pushes an image through the store API the way the v2 handlers do: blobs, links, then the manifest. */
export async function pushImage(
  store: Store,
  repository: string,
  tag: string | undefined,
  options: { layerSizes?: number[]; architecture?: string; os?: string; created?: string; config?: Record<string, unknown>; layers?: Buffer[]; subject?: { digest: string; size: number; mediaType: string } } = {},
): Promise<PushedImage> {
  const layerBodies = options.layers ?? (options.layerSizes ?? [1024]).map((n) => randomBytes(n));
  const layers: { digest: string; size: number }[] = [];
  for (const body of layerBodies) {
    const { digest } = await store.blobs.ingest(Readable.from([body]));
    await store.repositories.linkBlob(repository, digest);
    layers.push({ digest: digest.value, size: body.byteLength });
  }
  const configBody = Buffer.from(
    JSON.stringify({
      architecture: options.architecture ?? 'amd64',
      os: options.os ?? 'linux',
      created: options.created ?? '2026-01-02T03:04:05Z',
      config: { Env: ['PATH=/usr/bin'], Labels: { 'org.example': 'yes' }, Entrypoint: ['/bin/app'], Cmd: ['--serve'], WorkingDir: '/srv', ...options.config },
      history: [{ created: '2026-01-02T03:04:05Z', created_by: 'COPY app /bin/app' }, { created_by: 'ENV X=1', empty_layer: true }],
      rootfs: { type: 'layers', diff_ids: layers.map((l) => l.digest) },
    }),
  );
  const configDigest = await store.blobs.putContent(configBody);
  await store.repositories.linkBlob(repository, configDigest);
  const manifest = {
    schemaVersion: 2,
    mediaType: MediaType.OciManifest,
    config: { mediaType: MediaType.OciConfig, digest: configDigest.value, size: configBody.byteLength },
    layers: layers.map((l) => ({ mediaType: MediaType.OciLayerGzip, digest: l.digest, size: l.size })),
    ...(options.subject ? { subject: options.subject, artifactType: 'application/vnd.example.sig' } : {}),
  };
  const body = Buffer.from(JSON.stringify(manifest));
  const stored = await store.repositories.putManifest(repository, tag === undefined ? { digest: digestOf(body) } : { tag }, body, MediaType.OciManifest);
  return { digest: stored.digest.value, size: body.byteLength, layers, config: { digest: configDigest.value, size: configBody.byteLength } };
}

/** An index over already pushed images, with platforms on its descriptors. */
export async function pushIndex(store: Store, repository: string, tag: string, children: { digest: string; size: number; platform: { os: string; architecture: string; variant?: string } }[]): Promise<string> {
  const body = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MediaType.OciIndex,
      manifests: children.map((c) => ({ mediaType: MediaType.OciManifest, digest: c.digest, size: c.size, platform: c.platform })),
    }),
  );
  const stored = await store.repositories.putManifest(repository, { tag }, body, MediaType.OciIndex);
  return stored.digest.value;
}
