import { createHash } from 'node:crypto';
import { expect } from 'vitest';

const sha256 = (b: Buffer): string => `sha256:${createHash('sha256').update(b).digest('hex')}`;

/** A real push over the v2 API: one monolithic config blob upload and a tagged OCI manifest. */
export async function pushTinyImage(registryUrl: string, repository: string, tag: string): Promise<string> {
  const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', created: new Date(0).toISOString(), config: {} }));
  const digest = sha256(config);
  const up = await fetch(`${registryUrl}/v2/${repository}/blobs/uploads/?digest=${digest}`, { method: 'POST', body: config, headers: { 'Content-Type': 'application/octet-stream' } });
  expect(up.status).toBe(201);
  const manifest = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json', config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest, size: config.byteLength }, layers: [] }));
  const put = await fetch(`${registryUrl}/v2/${repository}/manifests/${tag}`, { method: 'PUT', body: manifest, headers: { 'Content-Type': 'application/vnd.oci.image.manifest.v1+json' } });
  expect(put.status).toBe(201);
  return sha256(manifest);
}
