import { randomBytes } from 'node:crypto';
import { expect } from 'vitest';
import { pushBlob, putManifest, rawRequest, sha256, type TestRegistry } from '../../../support/registry-client.js';

export const MT = {
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  dockerList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  dockerConfig: 'application/vnd.docker.container.image.v1+json',
  dockerLayer: 'application/vnd.docker.image.rootfs.diff.tar.gzip',
  dockerForeign: 'application/vnd.docker.image.rootfs.foreign.diff.tar.gzip',
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  ociConfig: 'application/vnd.oci.image.config.v1+json',
  ociLayer: 'application/vnd.oci.image.layer.v1.tar+gzip',
  ociEmpty: 'application/vnd.oci.empty.v1+json',
} as const;

export interface PushedImage {
  readonly config: { digest: string; size: number };
  readonly layer: { digest: string; size: number };
}

/** Pushes a random config and layer to `name`: the blobs an image manifest can reference. */
export async function pushImageBlobs(url: string, name: string): Promise<PushedImage> {
  const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', nonce: randomBytes(8).toString('hex') }));
  const layer = randomBytes(1000);
  return {
    config: { digest: await pushBlob(url, name, config), size: config.byteLength },
    layer: { digest: await pushBlob(url, name, layer), size: layer.byteLength },
  };
}

export function imageManifest(
  blobs: PushedImage,
  options: { mediaType?: string | null; configType?: string; layerType?: string; extra?: Record<string, unknown> } = {},
): string {
  const mediaType = options.mediaType === undefined ? MT.ociManifest : options.mediaType;
  const docker = mediaType === MT.dockerManifest;
  return JSON.stringify({
    schemaVersion: 2,
    ...(mediaType !== null ? { mediaType } : {}),
    config: { mediaType: options.configType ?? (docker ? MT.dockerConfig : MT.ociConfig), ...blobs.config },
    layers: [{ mediaType: options.layerType ?? (docker ? MT.dockerLayer : MT.ociLayer), ...blobs.layer }],
    ...options.extra,
  });
}

export function indexManifest(children: readonly { body: string; mediaType: string }[], mediaType: string | null = MT.ociIndex): string {
  return JSON.stringify({
    schemaVersion: 2,
    ...(mediaType !== null ? { mediaType } : {}),
    manifests: children.map((c, i) => ({
      mediaType: c.mediaType,
      digest: sha256(c.body),
      size: Buffer.byteLength(c.body),
      platform: { architecture: i === 0 ? 'amd64' : 'arm64', os: 'linux' },
    })),
  });
}

/** Pushes blobs and an image manifest under `reference`; returns the manifest body and digest. */
export async function pushImage(url: string, name: string, reference: string, options: Parameters<typeof imageManifest>[1] = {}) {
  const blobs = await pushImageBlobs(url, name);
  const body = imageManifest(blobs, options);
  const mediaType = options.mediaType === undefined ? MT.ociManifest : (options.mediaType ?? MT.ociManifest);
  const res = await putManifest(url, name, reference, body, mediaType);
  if (res.status !== 201) throw new Error(`manifest PUT ${name}:${reference}: ${res.status} ${await res.text()}`);
  return { body, digest: sha256(body), blobs, mediaType };
}

export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** POSTs a new upload session and checks the 202 every client relies on. */
export async function startUpload(reg: TestRegistry, name: string, query = ''): Promise<{ location: string; id: string }> {
  const res = await rawRequest(reg.port, 'POST', `/v2/${name}/blobs/uploads/${query}`);
  expect(res.status).toBe(202);
  const location = res.headers.location as string;
  const id = res.headers['docker-upload-uuid'] as string;
  expect(id).toMatch(UUID);
  expect(location).toBe(`/v2/${name}/blobs/uploads/${id}`);
  expect(res.headers.range).toBe('0-0');
  expect(res.headers['content-length']).toBe('0');
  return { location, id };
}

export const blobHeadStatus = async (reg: TestRegistry, name: string, digest: string): Promise<number> =>
  (await rawRequest(reg.port, 'HEAD', `/v2/${name}/blobs/${digest}`)).status;

export const requestManifest = (reg: TestRegistry, method: string, name: string, ref: string, headers: Record<string, string | string[]> = {}) =>
  rawRequest(reg.port, method, `/v2/${name}/manifests/${ref}`, { headers });

/** Pushes `body` by tag and checks PUT, GET and HEAD by tag and by digest serve the exact bytes. */
export async function manifestRoundTrip(reg: TestRegistry, name: string, tag: string, body: string, contentType: string, servedType = contentType): Promise<string> {
  const digest = sha256(body);
  const put = await putManifest(reg.url, name, tag, body, contentType);
  expect(put.status, await put.clone().text()).toBe(201);
  expect(put.headers.get('docker-content-digest')).toBe(digest);
  expect(put.headers.get('location')).toBe(`/v2/${name}/manifests/${digest}`);
  expect(put.headers.get('content-length')).toBe('0');
  for (const ref of [tag, digest]) {
    const res = await requestManifest(reg, 'GET', name, ref);
    expect(res.status).toBe(200);
    expect(res.body.toString()).toBe(body);
    expect(res.headers['content-type']).toBe(servedType);
    expect(res.headers['docker-content-digest']).toBe(digest);
    expect(res.headers.etag).toBe(`"${digest}"`);
    const head = await requestManifest(reg, 'HEAD', name, ref);
    expect(head.status).toBe(200);
    expect(head.headers['content-type']).toBe(servedType);
    expect(head.headers['content-length']).toBe(String(Buffer.byteLength(body)));
    expect(head.headers['docker-content-digest']).toBe(digest);
    expect(head.body.byteLength).toBe(0);
  }
  return digest;
}
