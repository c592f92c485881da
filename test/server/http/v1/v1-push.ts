import { createHash, randomBytes } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { layerTar } from '../../../support/images.js';
import { rawRequest, type RawResponse } from '../../../support/registry-client.js';

/** A v1 image as a client holds it: its JSON bytes and layer bytes. */
export interface V1TestImage {
  readonly id: string;
  readonly parent?: string;
  readonly json: Buffer;
  readonly layer: Buffer;
  /** sha256 of the uncompressed layer tar. */
  readonly diffId: string;
}

export const randomImageId = (): string => randomBytes(32).toString('hex');

/** `sha256:` + sha256(json + "\n" + layer): what the client sends in X-Docker-Checksum-Payload. */
export const payloadChecksum = (json: Buffer, layer: Buffer): string =>
  `sha256:${createHash('sha256').update(json).update('\n').update(layer).digest('hex')}`;

/**
 * A chain of v1 images, root first, each with a real one-file tar layer (gzip-compressed when asked), so
 * Docker can unpack them after pulling the v2 view.
 */
export async function makeV1Chain(count: number, options: { gzip?: boolean; layerBytes?: number } = {}): Promise<V1TestImage[]> {
  const out: V1TestImage[] = [];
  let parent: string | undefined;
  for (let i = 0; i < count; i++) {
    const id = randomImageId();
    const tar = await layerTar({ files: { [`layer${i}.bin`]: randomBytes(options.layerBytes ?? 2048) } });
    const layer = options.gzip ? gzipSync(tar) : tar;
    const doc = {
      id,
      ...(parent ? { parent } : {}),
      created: `2015-0${(i % 9) + 1}-01T00:00:00Z`,
      container_config: { Cmd: ['/bin/sh', '-c', `#(nop) ADD layer${i}.bin`] },
      config: { Cmd: ['/layer0.bin'], Env: ['PATH=/usr/bin:/bin'] },
      architecture: 'amd64',
      os: 'linux',
      docker_version: '1.6.2',
      Size: tar.byteLength,
    };
    out.push({ id, ...(parent ? { parent } : {}), json: Buffer.from(JSON.stringify(doc)), layer, diffId: `sha256:${createHash('sha256').update(tar).digest('hex')}` });
    parent = id;
  }
  return out;
}

function expectStatus(res: RawResponse, allowed: readonly number[], what: string): RawResponse {
  if (!allowed.includes(res.status)) throw new Error(`${what}: expected ${allowed.join('/')}, got ${res.status} ${res.body.toString().slice(0, 300)}`);
  return res;
}

/** Splits bytes into chunks, so a layer goes out with chunked transfer encoding as Docker sends it. */
export const chunks = (data: Buffer, size = 64 * 1024): Buffer[] => {
  const out: Buffer[] = [];
  for (let i = 0; i < data.byteLength; i += size) out.push(data.subarray(i, i + size));
  return out.length > 0 ? out : [Buffer.alloc(0)];
};

/**
 * A v1 push in the order a Docker 1.x client makes it (DOCKER_REGISTRY_V1.md section 9.3): ping; register the
 * image list with the index; per image (root first) probe, json, layer, checksum; tag the top image; close
 * the push with the image list again. Returns the token the index handed out. Images the registry already
 * has (probe 200, or 409 on json) are skipped, as Docker does.
 */
export async function pushV1(port: number, repository: string, tag: string, images: readonly V1TestImage[]): Promise<{ token: string; endpoints: string }> {
  const userAgent = 'docker/1.6.2 go/go1.4.2 kernel/4.19.0 os/linux arch/amd64';
  expectStatus(await rawRequest(port, 'GET', '/v1/_ping'), [200], 'ping');
  const list = images.map((img, i) => (i === images.length - 1 ? { id: img.id, Tag: tag } : { id: img.id }));
  const registered = expectStatus(
    await rawRequest(port, 'PUT', `/v1/repositories/${repository}/`, {
      headers: { 'x-docker-token': 'true', 'content-type': 'application/json', 'user-agent': userAgent },
      body: JSON.stringify(list),
    }),
    [200, 201],
    'PUT repository',
  );
  const token = registered.headers['x-docker-token'];
  const endpoints = registered.headers['x-docker-endpoints'];
  if (typeof token !== 'string' || typeof endpoints !== 'string') throw new Error('PUT repository: no X-Docker-Token / X-Docker-Endpoints');
  const auth = { authorization: `Token ${token}`, 'user-agent': userAgent };
  for (const image of images) {
    const probe = expectStatus(await rawRequest(port, 'GET', `/v1/images/${image.id}/json`, { headers: auth }), [200, 404, 400], 'probe');
    if (probe.status === 200) continue;
    const put = expectStatus(
      await rawRequest(port, 'PUT', `/v1/images/${image.id}/json`, { headers: { ...auth, 'content-type': 'application/json' }, body: image.json }),
      [200, 409],
      `PUT json ${image.id}`,
    );
    if (put.status === 409) continue;
    expectStatus(
      await rawRequest(port, 'PUT', `/v1/images/${image.id}/layer`, { headers: { ...auth, 'content-type': 'application/octet-stream' }, body: chunks(image.layer) }),
      [200],
      `PUT layer ${image.id}`,
    );
    expectStatus(
      await rawRequest(port, 'PUT', `/v1/images/${image.id}/checksum`, {
        headers: { ...auth, 'x-docker-checksum': `tarsum+sha256:${'0'.repeat(64)}`, 'x-docker-checksum-payload': payloadChecksum(image.json, image.layer) },
      }),
      [200],
      `PUT checksum ${image.id}`,
    );
  }
  const top = images[images.length - 1] as V1TestImage;
  expectStatus(
    await rawRequest(port, 'PUT', `/v1/repositories/${repository}/tags/${tag}`, { headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify(top.id) }),
    [200, 201],
    'PUT tag',
  );
  expectStatus(
    await rawRequest(port, 'PUT', `/v1/repositories/${repository}/images`, {
      headers: { ...auth, 'x-docker-endpoints': endpoints, 'content-type': 'application/json' },
      body: '[]',
    }),
    [204],
    'PUT images',
  );
  return { token, endpoints };
}
