import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as nodePath from 'node:path';
import type { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeDir, scratchDir, startBerth, type BerthProcess } from '../support/berth.js';
import { randomLayer, writeDockerArchive } from '../support/images.js';
import { sha256Stream, skopeo, type ManifestJson } from './clients.js';
import { OCI_INDEX, OciLayout } from './oci-layout.js';

/** The parts of docker-registry-client's v1 module this test drives (the package ships no types). */
type Callback<T> = (err: Error | null, value: T, res?: { headers: Record<string, string | string[] | undefined> }) => void;
interface V1Client {
  ping(cb: Callback<unknown>): void;
  listRepoTags(cb: Callback<Record<string, string>>): void;
  getImgAncestry(opts: { imgId: string }, cb: Callback<string[]>): void;
  getImgJson(opts: { imgId: string }, cb: Callback<Record<string, unknown>>): void;
  getImgLayerStream(opts: { imgId: string }, cb: Callback<Readable & { headers: Record<string, string> }>): void;
  close(): void;
}
const drc = createRequire(import.meta.url)('docker-registry-client') as { createClientV1(opts: { name: string; scheme?: string }): V1Client };

function call<T>(fn: (cb: Callback<T>) => void): Promise<T> {
  return new Promise((resolve, reject) => fn((err, value) => (err ? reject(err) : resolve(value))));
}

/** What a v1 pull of one tag saw: the tag's id and, root first, each image's id, parent and layer digest. */
interface V1Pull {
  readonly top: string;
  readonly images: { id: string; parent?: unknown; layerDigest: string; size: string | undefined }[];
}

/** Pulls `name:tag` with docker-registry-client's v1 API, every layer streamed and hashed. */
async function pullV1(address: string, name: string, tag: string): Promise<V1Pull> {
  const client = drc.createClientV1({ name: `${address}/${name}`, scheme: 'http' });
  try {
    await call((cb) => client.ping(cb));
    const tags = await call<Record<string, string>>((cb) => client.listRepoTags(cb));
    const top = tags[tag];
    if (top === undefined) throw new Error(`v1 tags of ${name} lack ${tag}: ${JSON.stringify(tags)}`);
    const ancestry = await call<string[]>((cb) => client.getImgAncestry({ imgId: top }, cb));
    const images: V1Pull['images'] = [];
    for (const id of [...ancestry].reverse()) {
      const meta = await new Promise<{ json: Record<string, unknown>; size: string | undefined }>((resolve, reject) =>
        client.getImgJson({ imgId: id }, (err, json, res) => (err ? reject(err) : resolve({ json, size: res?.headers['x-docker-size'] as string | undefined }))),
      );
      expect(meta.json.id).toBe(id);
      const layer = await call<Readable & { headers: Record<string, string> }>((cb) => client.getImgLayerStream({ imgId: id }, cb));
      images.push({ id, parent: meta.json.parent, layerDigest: await sha256Stream(layer), size: meta.size });
    }
    return { top, images };
  } finally {
    client.close();
  }
}

/** The pull matches the image the registry serves over v2: one v1 image per layer, in order, bytes as stored. */
function expectPullOf(pull: V1Pull, manifest: ManifestJson): void {
  expect(pull.images.map((i) => i.layerDigest)).toEqual(manifest.layers.map((l) => l.digest));
  expect(pull.images.map((i) => i.size)).toEqual(manifest.layers.map((l) => String(l.size)));
  pull.images.forEach((image, i) => expect(image.parent).toBe(i === 0 ? undefined : pull.images[i - 1]?.id));
  expect(pull.images.at(-1)?.id).toBe(pull.top);
  expect(new Set(pull.images.map((i) => i.id)).size).toBe(pull.images.length);
}

describe('images pushed over v2 with skopeo pull over v1 with docker-registry-client', () => {
  let berth: BerthProcess;
  let work: string;
  let root: string;
  const docker = (ref: string): string => `docker://${berth.address}/${ref}`;
  const manifests = new Map<string, ManifestJson>();
  const pulls = new Map<string, V1Pull>();
  const CASES = [
    ['v2only/oci', 'layout'],
    ['v2only/archive', 't'],
    ['v2only/multi', 'all'],
  ] as const;

  beforeAll(async () => {
    work = scratchDir('berth-v1-from-v2-');
    berth = await startBerth();
    root = berth.root;

    // An OCI layout image (gzip layers, pushed as they are) and a two-platform index, arm64 first.
    const layout = new OciLayout(nodePath.join(work, 'layout'));
    const single = await layout.addRandomImage(3, 30 * 1024);
    layout.tag('layout', single.manifest);
    const arm = await layout.addRandomImage(1, 20 * 1024, 'arm64');
    const amd = await layout.addRandomImage(2, 25 * 1024, 'amd64');
    const index = layout.addJson(OCI_INDEX, {
      schemaVersion: 2,
      mediaType: OCI_INDEX,
      manifests: [
        { ...arm.manifest, platform: { architecture: 'arm64', os: 'linux' } },
        { ...amd.manifest, platform: { architecture: 'amd64', os: 'linux' } },
      ],
    });
    layout.tag('all', index);
    await skopeo('copy', '--dest-tls-verify=false', `oci:${layout.dir}:layout`, docker('v2only/oci:layout'));
    await skopeo('copy', '--all', '--dest-tls-verify=false', `oci:${layout.dir}:all`, docker('v2only/multi:all'));
    manifests.set('v2only/oci', JSON.parse(readFileSync(layout.blobPath(single.manifest.digest), 'utf8')) as ManifestJson);
    manifests.set('v2only/multi', JSON.parse(readFileSync(layout.blobPath(amd.manifest.digest), 'utf8')) as ManifestJson);

    // A docker save archive: skopeo compresses its plain layers on the way to a Docker schema2 manifest.
    const archive = nodePath.join(work, 'image.tar');
    await writeDockerArchive(archive, [{ repoTags: ['x/y:t'], layers: [randomLayer(40 * 1024), randomLayer(10 * 1024, 'two.bin')] }]);
    await skopeo('copy', '--dest-tls-verify=false', `docker-archive:${archive}`, docker('v2only/archive:t'));
    manifests.set('v2only/archive', JSON.parse(await skopeo('inspect', '--raw', '--tls-verify=false', docker('v2only/archive:t'))) as ManifestJson);
  });

  afterAll(async () => {
    await berth?.stop();
    if (root) removeDir(root);
    if (work) removeDir(work);
  });

  it.each(CASES)('%s:%s: tags, ancestry, json and every layer byte over v1', async (name, tag) => {
    const pull = await pullV1(berth.address, name, tag);
    expectPullOf(pull, manifests.get(name) as ManifestJson);
    pulls.set(name, pull);
  });

  it('the same layer blobs: a v1 layer is the very blob v2 serves', async () => {
    const manifest = manifests.get('v2only/archive') as ManifestJson;
    const pull = pulls.get('v2only/archive') as V1Pull;
    for (const [i, layer] of manifest.layers.entries()) {
      const v2 = Buffer.from(await (await fetch(`${berth.url}/v2/v2only/archive/blobs/${layer.digest}`)).arrayBuffer());
      const v1 = Buffer.from(await (await fetch(`${berth.url}/v1/images/${pull.images[i]?.id}/layer`)).arrayBuffer());
      expect(v1.equals(v2)).toBe(true);
      expect(`sha256:${createHash('sha256').update(v1).digest('hex')}`).toBe(layer.digest);
    }
  });

  it('after a restart of berth on the same root, every id is the same and everything pulls again', async () => {
    expect(pulls.size).toBe(CASES.length);
    await berth.stop();
    berth = await startBerth({ root });
    for (const [name, tag] of CASES) {
      const again = await pullV1(berth.address, name, tag);
      expect(again).toEqual(pulls.get(name));
    }
  });

  it('v1 search lists the v2 repositories', async () => {
    const res = await fetch(`${berth.url}/v1/search?q=v2only`);
    const body = (await res.json()) as { results: { name: string }[] };
    expect(body.results.map((r) => r.name)).toEqual(['v2only/archive', 'v2only/multi', 'v2only/oci']);
  });
});
