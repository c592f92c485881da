import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import * as nodePath from 'node:path';
import type { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeDir, startBerth, type BerthProcess } from '../support/berth.js';
import { rawRequest } from '../support/registry-client.js';
import { runOk } from '../support/run.js';
import { makeV1Chain, payloadChecksum, pushV1, type V1TestImage } from '../server/http/v1/v1-push.js';

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
interface DrcModule {
  createClientV1(opts: { name: string; scheme?: string }): V1Client;
  loginV1(opts: { indexName: string; username: string; password: string; email: string }, cb: Callback<{ status: string }>): void;
}
const drc = createRequire(import.meta.url)('docker-registry-client') as DrcModule;

function call<T>(fn: (cb: Callback<T>) => void): Promise<{ value: T; headers: Record<string, string | string[] | undefined> }> {
  return new Promise((resolve, reject) => fn((err, value, res) => (err ? reject(err) : resolve({ value, headers: res?.headers ?? {} }))));
}

async function sha256Stream(stream: Readable): Promise<string> {
  const hash = createHash('sha256');
  stream.on('data', (c: Buffer) => hash.update(c));
  const done = new Promise<void>((resolve, reject) => {
    stream.on('end', () => resolve());
    stream.on('error', reject);
  });
  stream.resume();
  await done;
  return `sha256:${hash.digest('hex')}`;
}

/** Pulls every image of `name:tag` with the npm client's v1 API and checks bytes and checksums. */
async function pullAndCheck(address: string, name: string, tag: string, chain: readonly V1TestImage[]): Promise<void> {
  const client = drc.createClientV1({ name: `${address}/${name}`, scheme: 'http' });
  try {
    await call((cb) => client.ping(cb));
    const tags = await call<Record<string, string>>((cb) => client.listRepoTags(cb));
    const top = chain[chain.length - 1] as V1TestImage;
    expect(tags.value).toEqual({ [tag]: top.id });
    const ancestry = await call<string[]>((cb) => client.getImgAncestry({ imgId: top.id }, cb));
    expect(ancestry.value).toEqual([...chain].reverse().map((i) => i.id));
    for (const id of [...ancestry.value].reverse()) {
      const image = chain.find((i) => i.id === id) as V1TestImage;
      const meta = await call<Record<string, unknown>>((cb) => client.getImgJson({ imgId: id }, cb));
      expect(meta.value).toEqual(JSON.parse(image.json.toString()));
      expect(meta.headers['x-docker-size']).toBe(String(image.layer.byteLength));
      expect(meta.headers['x-docker-checksum-payload']).toBe(payloadChecksum(image.json, image.layer));
      const layer = await call<Readable & { headers: Record<string, string> }>((cb) => client.getImgLayerStream({ imgId: id }, cb));
      expect(layer.value.headers['content-length']).toBe(String(image.layer.byteLength));
      expect(await sha256Stream(layer.value)).toBe(`sha256:${createHash('sha256').update(image.layer).digest('hex')}`);
    }
  } finally {
    client.close();
  }
}

const REPO_ROOT = nodePath.resolve(import.meta.dirname, '..', '..');

describe('docker-registry-client (v1) against berth serve', () => {
  let berth: BerthProcess;
  let root: string;
  let plain: V1TestImage[];
  let gz: V1TestImage[];
  let untagged: V1TestImage[];

  beforeAll(async () => {
    berth = await startBerth();
    root = berth.root;
    plain = await makeV1Chain(3, { layerBytes: 256 * 1024 });
    gz = await makeV1Chain(2, { gzip: true, layerBytes: 100 * 1024 });
    await pushV1(berth.port, 'foo', 'latest', plain);
    await pushV1(berth.port, 'team/app', '1.0', gz);
  });

  afterAll(async () => {
    await berth?.stop();
    if (root) removeDir(root);
  });

  it('logs in through /v1/users', async () => {
    const result = await call<{ status: string }>((cb) => drc.loginV1({ indexName: `http://${berth.address}`, username: 'someone', password: 'secret', email: 'a@b.c' }, cb));
    expect(result.value.status).toMatch(/Account created/);
  });

  it('pulls the v1 pushes: tags, ancestry, json and layers match byte for byte', async () => {
    await pullAndCheck(berth.address, 'foo', 'latest', plain);
    await pullAndCheck(berth.address, 'library/foo', 'latest', plain);
    await pullAndCheck(berth.address, 'team/app', '1.0', gz);
  });

  it('after `berth gc` and a restart on the same root, everything still pulls (v1 layers are GC roots)', async () => {
    // An image pushed but never tagged: only its v1 record references its layer.
    untagged = await makeV1Chain(1);
    const image = untagged[0] as V1TestImage;
    for (const [path, body, headers] of [
      [`/v1/images/${image.id}/json`, image.json, {}],
      [`/v1/images/${image.id}/layer`, [image.layer], {}],
      [`/v1/images/${image.id}/checksum`, undefined, { 'x-docker-checksum-payload': payloadChecksum(image.json, image.layer) }],
    ] as const) {
      expect((await rawRequest(berth.port, 'PUT', path, { headers: { ...headers }, ...(body ? { body } : {}) })).status).toBe(200);
    }
    await berth.stop();
    const gc = await runOk(process.execPath, ['--import', 'tsx', nodePath.join(REPO_ROOT, 'server', 'cli.ts'), 'gc', '--root', root, '--grace-seconds', '0'], { cwd: REPO_ROOT });
    expect(gc).toMatch(/gc: removed (?:.*, )?\d+ blobs/);

    berth = await startBerth({ root });
    await pullAndCheck(berth.address, 'foo', 'latest', plain);
    await pullAndCheck(berth.address, 'team/app', '1.0', gz);
    const layer = await rawRequest(berth.port, 'GET', `/v1/images/${image.id}/layer`);
    expect(layer.status).toBe(200);
    expect(layer.body.equals(image.layer)).toBe(true);
    // And over v2, the view written at tag time survived too.
    const manifest = await fetch(`${berth.url}/v2/foo/manifests/latest`, { headers: { Accept: 'application/vnd.docker.distribution.manifest.v2+json' } });
    expect(manifest.status).toBe(200);
  });
});
