import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { layerTar, randomLayer } from '../../../support/images.js';
import { pushBlob, putManifest, sha256 } from '../../../support/registry-client.js';
import { MT } from '../v2/fixtures.js';

/** A v2 image pushed for the v1 tests: its layer blobs as pushed, diff ids, config and manifest. */
export interface PushedV2Image {
  readonly layers: readonly Buffer[];
  readonly diffIds: readonly string[];
  readonly config: Buffer;
  readonly manifest: string;
  readonly digest: string;
  readonly mediaType: string;
}

const hex = (text: string): string => createHash('sha256').update(text).digest('hex');

/** The image config every image here gets: the fields the expected ids below are written for. */
const configOf = (architecture: string, cmd: string, diffIds: readonly string[]) => ({
  architecture,
  os: 'linux',
  created: '2026-01-01T00:00:00Z',
  config: { Cmd: [cmd] },
  rootfs: { type: 'layers', diff_ids: diffIds },
  history: diffIds.map((_, i) => ({ created_by: `layer ${i}` })),
});

/**
 * Pushes an image of `count` one-file tar layers (gzipped unless `plain`), Docker schema2 or OCI, under
 * `reference` (a tag, or nothing to push by digest only).
 */
export async function pushV2Image(
  url: string,
  name: string,
  reference: string | undefined,
  options: { count?: number; gzip?: boolean; docker?: boolean; architecture?: string; cmd?: string; baseLayers?: readonly Buffer[] } = {},
): Promise<PushedV2Image> {
  const gzip = options.gzip ?? true;
  const tars = [...(options.baseLayers ?? [])];
  for (let i = 0; i < (options.count ?? 2); i++) tars.push(await layerTar(randomLayer(1500 + i, `layer${i}.bin`)));
  const layers = tars.map((t) => (gzip ? gzipSync(t) : t));
  const diffIds = tars.map((t) => sha256(t));
  const config = Buffer.from(JSON.stringify(configOf(options.architecture ?? 'amd64', options.cmd ?? '/layer0.bin', diffIds)));
  const docker = options.docker ?? false;
  const layerType = docker ? (gzip ? MT.dockerLayer : 'application/vnd.docker.image.rootfs.diff.tar') : gzip ? MT.ociLayer : 'application/vnd.oci.image.layer.v1.tar';
  for (const blob of [config, ...layers]) await pushBlob(url, name, blob);
  const mediaType = docker ? MT.dockerManifest : MT.ociManifest;
  const manifest = JSON.stringify({
    schemaVersion: 2,
    mediaType,
    config: { mediaType: docker ? MT.dockerConfig : MT.ociConfig, digest: sha256(config), size: config.byteLength },
    layers: layers.map((l) => ({ mediaType: layerType, digest: sha256(l), size: l.byteLength })),
  });
  const digest = sha256(manifest);
  const res = await putManifest(url, name, reference ?? digest, manifest, mediaType);
  if (res.status !== 201) throw new Error(`manifest PUT ${name}:${reference}: ${res.status} ${await res.text()}`);
  return { layers, diffIds, config, manifest, digest, mediaType };
}

/**
 * The v1 ids of such an image, root first, computed here from hand-written JSON (moby's CreateID over the v1
 * config with the chain id as `layer_id` and the parent as `sha256:<id>`, keys sorted), not by Berth's code.
 */
export function expectedV1Ids(image: PushedV2Image): string[] {
  const config = JSON.parse(image.config.toString()) as { architecture: string; config: { Cmd: string[] } };
  const ids: string[] = [];
  let chain = '';
  image.diffIds.forEach((diffId, i) => {
    chain = i === 0 ? diffId : `sha256:${hex(`${chain} ${diffId}`)}`;
    const parent = i === 0 ? '' : `,"parent":"sha256:${ids[i - 1]}"`;
    const top = i === image.diffIds.length - 1;
    ids.push(
      top
        ? hex(`{"architecture":"${config.architecture}","config":{"Cmd":${JSON.stringify(config.config.Cmd)}},"created":"2026-01-01T00:00:00Z","layer_id":"${chain}","os":"linux"${parent}}`)
        : hex(`{"created":"1970-01-01T00:00:00Z","layer_id":"${chain}"${parent}}`),
    );
  });
  return ids;
}
