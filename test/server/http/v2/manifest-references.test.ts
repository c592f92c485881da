import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectGarbage } from '../../../../server/storage/gc.js';
import { errorCode, rawRequest, sha256, sha512, startTestRegistry, treeChecksum, type TestRegistry } from '../../../support/registry-client.js';
import { imageManifest, MT, pushImageBlobs, requestManifest, type PushedImage } from './fixtures.js';

/**
 * What a manifest reference means per method (the spec's endpoint table: GET and HEAD answer 200 or 404,
 * PUT and DELETE may answer 400), and the digest algorithm a by-digest PUT with `?tag=` keeps.
 */
let reg: TestRegistry;
let blobs: PushedImage;
const NAME = 'ref/app';
beforeAll(async () => {
  reg = await startTestRegistry();
  blobs = await pushImageBlobs(reg.url, NAME);
});
afterAll(() => reg.close());

const BAD_REFERENCES: { what: string; ref: string; putCode: string }[] = [
  { what: 'a tag starting with -', ref: '-bad', putCode: 'TAG_INVALID' },
  { what: 'a tag starting with .', ref: '.hidden', putCode: 'TAG_INVALID' },
  { what: 'a tag of 129 characters', ref: 'a'.repeat(129), putCode: 'TAG_INVALID' },
  { what: 'a tag with a percent-encoded space', ref: 'a%20b', putCode: 'TAG_INVALID' },
  { what: 'a digest too short', ref: 'sha256:abc', putCode: 'DIGEST_INVALID' },
  { what: 'a digest in upper case', ref: `sha256:${'A'.repeat(64)}`, putCode: 'DIGEST_INVALID' },
  { what: 'an unsupported algorithm', ref: `md5:${'0'.repeat(32)}`, putCode: 'DIGEST_INVALID' },
  { what: 'a colon and nothing else', ref: ':', putCode: 'DIGEST_INVALID' },
];

describe('a reference that is neither a valid tag nor a digest', () => {
  const rows = BAD_REFERENCES.flatMap((r) => [
    { ...r, method: 'GET', status: 404, code: 'MANIFEST_UNKNOWN' },
    { ...r, method: 'HEAD', status: 404, code: 'MANIFEST_UNKNOWN' },
    { ...r, method: 'PUT', status: 400, code: r.putCode },
    { ...r, method: 'DELETE', status: 400, code: r.putCode },
  ]);

  it.each(rows)('$method $what → $status $code', async ({ method, ref, status, code }) => {
    const before = await treeChecksum(reg.root);
    const body = method === 'PUT' ? imageManifest(blobs, { extra: { annotations: { ref } } }) : undefined;
    const res = await rawRequest(reg.port, method, `/v2/${NAME}/manifests/${ref}`, body ? { body, headers: { 'content-type': MT.ociManifest } } : {});
    expect(res.status).toBe(status);
    expect(res.headers['docker-distribution-api-version']).toBe('registry/2.0');
    if (method === 'HEAD') expect(res.body.byteLength).toBe(0);
    else expect(errorCode(res.body)).toBe(code);
    expect(await treeChecksum(reg.root)).toEqual(before);
  });

  it('a valid tag and a valid digest that name nothing still answer 404 MANIFEST_UNKNOWN', async () => {
    for (const ref of ['absent', sha256('absent'), sha512('absent')]) {
      for (const method of ['GET', 'HEAD']) {
        const res = await requestManifest(reg, method, NAME, ref);
        expect(res.status, `${method} ${ref}`).toBe(404);
        if (method === 'GET') expect(errorCode(res.body)).toBe('MANIFEST_UNKNOWN');
      }
    }
  });
});

describe('PUT by a digest with ?tag= keeps the digest the client chose', () => {
  const rows = [
    { algorithm: 'sha512' as const, tags: ['v512', 'also-512'] },
    { algorithm: 'sha256' as const, tags: ['v256'] },
  ];

  it.each(rows)('$algorithm: every tag reports the $algorithm digest on GET and HEAD', async ({ algorithm, tags }) => {
    const body = imageManifest(blobs, { extra: { annotations: { algorithm } } });
    const digest = `${algorithm}:${createHash(algorithm).update(body).digest('hex')}`;
    const query = tags.map((t) => `tag=${t}`).join('&');
    const put = await rawRequest(reg.port, 'PUT', `/v2/${NAME}/manifests/${digest}?${query}`, { body, headers: { 'content-type': MT.ociManifest } });
    expect(put.status).toBe(201);
    expect(put.headers['docker-content-digest']).toBe(digest);
    expect(put.headers['oci-tag']).toBe(tags.join(', '));
    for (const ref of [...tags, digest]) {
      for (const method of ['GET', 'HEAD']) {
        const res = await requestManifest(reg, method, NAME, ref);
        expect(res.status, `${method} ${ref}`).toBe(200);
        expect(res.headers['docker-content-digest']).toBe(digest);
        expect(res.headers.etag).toBe(`"${digest}"`);
        if (method === 'GET') expect(res.body.toString()).toBe(body);
      }
    }
    const listed = (await (await fetch(`${reg.url}/v2/${NAME}/tags/list`)).json()) as { tags: string[] };
    for (const tag of tags) expect(listed.tags).toContain(tag);
    // Stored once, under the client's algorithm only: the other algorithm's digest names nothing.
    if (algorithm === 'sha512') expect((await requestManifest(reg, 'HEAD', NAME, sha256(body))).status).toBe(404);
  });

  it('two such PUTs racing each other and gc: the tag names one of them, served under its own digest, and gc keeps it', async () => {
    const bodies = ['a', 'b'].map((n) => imageManifest(blobs, { extra: { annotations: { race: n } } }));
    const digests = [sha512(bodies[0] as string), sha256(bodies[1] as string)];
    const results = await Promise.all([
      ...bodies.map((body, i) => rawRequest(reg.port, 'PUT', `/v2/${NAME}/manifests/${digests[i]}?tag=raced`, { body, headers: { 'content-type': MT.ociManifest } })),
      collectGarbage(reg.store, { dryRun: false, blobGraceSeconds: 3600, uploadMaxAgeSeconds: 86400 }),
    ]);
    expect(results.slice(0, 2).map((r) => (r as { status: number }).status)).toEqual([201, 201]);
    // A gc with no grace at all, after the race: every blob of a tagged sha512 revision is still reachable.
    await collectGarbage(reg.store, { dryRun: false, blobGraceSeconds: 0, uploadMaxAgeSeconds: 86400 });
    const got = await requestManifest(reg, 'GET', NAME, 'raced');
    expect(got.status).toBe(200);
    const served = got.headers['docker-content-digest'] as string;
    expect(digests).toContain(served);
    const algorithm = served.startsWith('sha512:') ? 'sha512' : 'sha256';
    expect(`${algorithm}:${createHash(algorithm).update(got.body).digest('hex')}`).toBe(served);
    for (const d of [blobs.config.digest, blobs.layer.digest]) expect((await rawRequest(reg.port, 'HEAD', `/v2/${NAME}/blobs/${d}`)).status).toBe(200);
    for (const d of digests) expect((await requestManifest(reg, 'GET', NAME, d)).status).toBe(200);
  });
});
