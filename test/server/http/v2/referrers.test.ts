import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorCode, pushBlob, putManifest, rawRequest, sha256, startTestRegistry, type TestRegistry } from '../../../support/registry-client.js';
import { MT, pushImage } from './fixtures.js';

let reg: TestRegistry;
const NAME = 'ref/app';
let subject: { digest: string; body: string };
let emptyConfig: string;
beforeAll(async () => {
  reg = await startTestRegistry();
  subject = await pushImage(reg.url, NAME, 'latest');
  emptyConfig = await pushBlob(reg.url, NAME, '{}');
});
afterAll(() => reg.close());

const subjectDescriptor = () => ({ mediaType: MT.ociManifest, digest: subject.digest, size: Buffer.byteLength(subject.body) });

/** An artifact manifest pointing at the subject; with no artifactType its config media type stands in. */
function artifact(options: { artifactType?: string; configType?: string; annotations?: Record<string, string> }): string {
  return JSON.stringify({
    schemaVersion: 2,
    mediaType: MT.ociManifest,
    ...(options.artifactType ? { artifactType: options.artifactType } : {}),
    config: { mediaType: options.configType ?? MT.ociEmpty, digest: emptyConfig, size: 2 },
    layers: [],
    subject: subjectDescriptor(),
    ...(options.annotations ? { annotations: options.annotations } : {}),
  });
}

interface ReferrersIndex {
  schemaVersion: number;
  mediaType: string;
  manifests: { mediaType: string; digest: string; size: number; artifactType?: string; annotations?: Record<string, string> }[];
}

async function referrers(query = '', digest = subject.digest, name = NAME) {
  const res = await rawRequest(reg.port, 'GET', `/v2/${name}/referrers/${digest}${query}`);
  return { res, index: res.status === 200 ? (JSON.parse(res.body.toString()) as ReferrersIndex) : undefined };
}

describe('referrers', () => {
  let sbom: string;
  let sig: string;
  let index: string;
  beforeAll(() => {
    sbom = artifact({ artifactType: 'application/vnd.example.sbom', annotations: { 'org.opencontainers.image.created': '2026-01-01T00:00:00Z' } });
    sig = artifact({ configType: 'application/vnd.example.signature.config' });
    index = JSON.stringify({ schemaVersion: 2, mediaType: MT.ociIndex, manifests: [], subject: subjectDescriptor() });
  });

  it('a PUT with a subject answers OCI-Subject, even when the subject is not pushed', async () => {
    for (const body of [sbom, sig]) {
      const res = await putManifest(reg.url, NAME, sha256(body), body, MT.ociManifest);
      expect(res.status).toBe(201);
      expect(res.headers.get('oci-subject')).toBe(subject.digest);
    }
    const idx = await putManifest(reg.url, NAME, sha256(index), index, MT.ociIndex);
    expect(idx.status).toBe(201);
    expect(idx.headers.get('oci-subject')).toBe(subject.digest);
    // A manifest without a subject gets no OCI-Subject header.
    expect((await putManifest(reg.url, NAME, 'plain', subject.body, MT.ociManifest)).headers.get('oci-subject')).toBeNull();
  });

  it('GET lists one descriptor per referrer with artifactType and annotations', async () => {
    const { res, index: list } = await referrers();
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe(MT.ociIndex);
    expect(res.headers['oci-filters-applied']).toBeUndefined();
    expect(list?.schemaVersion).toBe(2);
    expect(list?.mediaType).toBe(MT.ociIndex);
    const byDigest = new Map(list?.manifests.map((d) => [d.digest, d]));
    expect(byDigest.size).toBe(3);
    expect(byDigest.get(sha256(sbom))).toEqual({
      mediaType: MT.ociManifest,
      digest: sha256(sbom),
      size: Buffer.byteLength(sbom),
      artifactType: 'application/vnd.example.sbom',
      annotations: { 'org.opencontainers.image.created': '2026-01-01T00:00:00Z' },
    });
    expect(byDigest.get(sha256(sig))).toEqual({ mediaType: MT.ociManifest, digest: sha256(sig), size: Buffer.byteLength(sig), artifactType: 'application/vnd.example.signature.config' });
    // An index without artifactType has none.
    expect(byDigest.get(sha256(index))).toEqual({ mediaType: MT.ociIndex, digest: sha256(index), size: Buffer.byteLength(index) });
  });

  it('artifactType filters and says so in OCI-Filters-Applied', async () => {
    const { res, index: list } = await referrers(`?artifactType=${encodeURIComponent('application/vnd.example.sbom')}`);
    expect(res.status).toBe(200);
    expect(res.headers['oci-filters-applied']).toBe('artifactType');
    expect(list?.manifests.map((d) => d.digest)).toEqual([sha256(sbom)]);
    const none = await referrers('?artifactType=application/vnd.example.none');
    expect(none.index?.manifests).toEqual([]);
    expect(none.res.headers['oci-filters-applied']).toBe('artifactType');
  });

  it('an unknown subject → 200 with an empty index', async () => {
    const { res, index: list } = await referrers('', sha256('no such subject'));
    expect(res.status).toBe(200);
    expect(list).toEqual({ schemaVersion: 2, mediaType: MT.ociIndex, manifests: [] });
  });

  it('referrers are per repository', async () => {
    const { res, index: list } = await referrers('', subject.digest, 'ref/elsewhere');
    expect(res.status).toBe(200);
    expect(list?.manifests).toEqual([]);
  });

  it.each(['sha256:nothex', 'latest', `sha256:${'A'.repeat(64)}`])('an invalid digest %s → 400 DIGEST_INVALID', async (digest) => {
    const { res } = await referrers('', digest);
    expect(res.status).toBe(400);
    expect(errorCode(res.body)).toBe('DIGEST_INVALID');
  });

  it('deleting a referrer removes it from the list', async () => {
    const del = await rawRequest(reg.port, 'DELETE', `/v2/${NAME}/manifests/${sha256(sig)}`);
    expect(del.status).toBe(202);
    const { index: list } = await referrers();
    expect(list?.manifests.map((d) => d.digest).sort()).toEqual([sha256(sbom), sha256(index)].sort());
  });
});
