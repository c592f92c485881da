import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs/promises';
import * as net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorCode, pushBlob, rawRequest, sha256, startTestRegistry, treeChecksum, type TestRegistry } from '../support/registry-client.js';
import { imageManifest, MT, pushImage } from './http/v2/fixtures.js';

/**
 * Hostile names, digests, upload ids, ranges and bodies: each gets its proper error code, and none of them
 * changes the store (a checksum of every path and file under the root) or writes beside it.
 */
let reg: TestRegistry;
let blob: string;
let upload: string;
let otherUpload: string;
let before: string[];

beforeAll(async () => {
  reg = await startTestRegistry();
  blob = await pushBlob(reg.url, 'safe/app', randomBytes(100));
  await pushImage(reg.url, 'safe/app', 'latest');
  const start = await rawRequest(reg.port, 'POST', '/v2/safe/app/blobs/uploads/');
  upload = start.headers.location as string;
  await rawRequest(reg.port, 'PATCH', upload, { body: randomBytes(10), headers: { 'content-range': '0-9' } });
  otherUpload = (await rawRequest(reg.port, 'POST', '/v2/safe/other/blobs/uploads/')).headers['docker-upload-uuid'] as string;
  before = await treeChecksum(reg.root);
});
afterAll(() => reg.close());

interface Row {
  what: string;
  method: string;
  path: () => string;
  headers?: Record<string, string>;
  body?: () => Buffer | string;
  status: number;
  code?: string;
}

const D0 = `sha256:${'0'.repeat(64)}`;
const manifestWith = (patch: Record<string, unknown>): string =>
  JSON.stringify({ schemaVersion: 2, mediaType: MT.ociManifest, config: { mediaType: MT.ociConfig, digest: D0, size: 2 }, layers: [], ...patch });
const validManifest = () => imageManifest({ config: { digest: blob, size: 100 }, layer: { digest: blob, size: 100 } });

const NAMES: Row[] = [
  { what: 'uppercase name', method: 'GET', path: () => '/v2/Safe/App/tags/list', status: 400, code: 'NAME_INVALID' },
  { what: 'uppercase name (upload)', method: 'POST', path: () => '/v2/Safe/blobs/uploads/', status: 400, code: 'NAME_INVALID' },
  { what: 'leading ../', method: 'POST', path: () => '/v2/../../escape/blobs/uploads/', status: 400, code: 'NAME_INVALID' },
  { what: '.. inside a name', method: 'POST', path: () => '/v2/safe/../../../escape/blobs/uploads/', status: 400, code: 'NAME_INVALID' },
  { what: '%2e%2e components', method: 'POST', path: () => '/v2/%2e%2e/%2e%2e/escape/blobs/uploads/', status: 400, code: 'NAME_INVALID' },
  { what: 'encoded ../ in one component', method: 'POST', path: () => '/v2/safe/%2e%2e%2f%2e%2e%2fescape/blobs/uploads/', status: 400, code: 'NAME_INVALID' },
  { what: 'absolute path //etc', method: 'PUT', path: () => '/v2//etc/manifests/latest', body: validManifest, headers: { 'content-type': MT.ociManifest }, status: 400, code: 'NAME_INVALID' },
  { what: 'absolute path ///tmp', method: 'POST', path: () => '/v2///tmp/escape/blobs/uploads/', status: 400, code: 'NAME_INVALID' },
  { what: '256 characters', method: 'POST', path: () => `/v2/${'a'.repeat(256)}/blobs/uploads/`, status: 400, code: 'NAME_INVALID' },
  { what: '_-prefixed component (_uploads)', method: 'POST', path: () => '/v2/safe/app/_uploads/x/blobs/uploads/', status: 400, code: 'NAME_INVALID' },
  { what: '_-prefixed component (_manifests)', method: 'PUT', path: () => '/v2/safe/app/_manifests/manifests/latest', body: validManifest, headers: { 'content-type': MT.ociManifest }, status: 400, code: 'NAME_INVALID' },
  { what: '_tmp as a name', method: 'POST', path: () => '/v2/_tmp/blobs/uploads/', status: 400, code: 'NAME_INVALID' },
  { what: 'backslashes', method: 'POST', path: () => '/v2/safe\\..\\..\\escape/blobs/uploads/', status: 400, code: 'NAME_INVALID' },
  { what: 'encoded NUL', method: 'POST', path: () => '/v2/safe%00/blobs/uploads/', status: 400, code: 'NAME_INVALID' },
  { what: 'empty component', method: 'GET', path: () => '/v2/safe//app/tags/list', status: 400, code: 'NAME_INVALID' },
  { what: 'trailing dot component', method: 'GET', path: () => '/v2/safe/./tags/list', status: 400, code: 'NAME_INVALID' },
  { what: 'mount from ../', method: 'POST', path: () => `/v2/safe/target/blobs/uploads/?mount=${blob}&from=../../safe/app`, status: 400, code: 'NAME_INVALID' },
  { what: 'mount from encoded ../', method: 'POST', path: () => `/v2/safe/target/blobs/uploads/?mount=${blob}&from=safe%2F..%2F..%2Fx`, status: 400, code: 'NAME_INVALID' },
];

const DIGESTS: Row[] = [
  { what: 'uppercase hex', method: 'GET', path: () => `/v2/safe/app/blobs/sha256:${'A'.repeat(64)}`, status: 400, code: 'DIGEST_INVALID' },
  { what: 'too short', method: 'GET', path: () => '/v2/safe/app/blobs/sha256:abc', status: 400, code: 'DIGEST_INVALID' },
  { what: 'too long', method: 'HEAD', path: () => `/v2/safe/app/blobs/sha256:${'a'.repeat(65)}`, status: 400 },
  { what: 'sha512 length under sha256', method: 'GET', path: () => `/v2/safe/app/blobs/sha256:${'a'.repeat(128)}`, status: 400, code: 'DIGEST_INVALID' },
  { what: 'unknown algorithm', method: 'GET', path: () => `/v2/safe/app/blobs/md5:${'a'.repeat(32)}`, status: 400, code: 'DIGEST_INVALID' },
  { what: 'sha256:totallywrong (blob)', method: 'GET', path: () => '/v2/safe/app/blobs/sha256:totallywrong', status: 400, code: 'DIGEST_INVALID' },
  // The spec's endpoint table: a GET of a reference that is neither a tag nor a digest is an unknown manifest.
  { what: 'sha256:totallywrong (manifest)', method: 'GET', path: () => '/v2/safe/app/manifests/sha256:totallywrong', status: 404, code: 'MANIFEST_UNKNOWN' },
  { what: 'sha256:.. (blob delete)', method: 'DELETE', path: () => '/v2/safe/app/blobs/sha256:..', status: 400, code: 'DIGEST_INVALID' },
  { what: 'sha256:.. (manifest delete)', method: 'DELETE', path: () => '/v2/safe/app/manifests/sha256:..', status: 400, code: 'DIGEST_INVALID' },
  { what: 'encoded path in digest', method: 'DELETE', path: () => '/v2/safe/app/blobs/sha256:..%2f..%2f..%2fescape', status: 400, code: 'DIGEST_INVALID' },
  { what: 'upload PUT digest with a path', method: 'PUT', path: () => `${upload}?digest=sha256:../../../../escape`, status: 400, code: 'DIGEST_INVALID' },
  { what: 'single POST with a bad digest', method: 'POST', path: () => '/v2/safe/app/blobs/uploads/?digest=sha256:totallywrong', body: () => 'abc', status: 400, code: 'DIGEST_INVALID' },
  { what: 'digest-algorithm with a path', method: 'POST', path: () => '/v2/safe/app/blobs/uploads/?digest-algorithm=../../x', status: 400, code: 'DIGEST_INVALID' },
  { what: 'mount of a bad digest', method: 'POST', path: () => '/v2/safe/app/blobs/uploads/?mount=sha256:bad&from=safe/app', status: 400, code: 'DIGEST_INVALID' },
  { what: 'referrers of a bad digest', method: 'GET', path: () => '/v2/safe/app/referrers/sha256:..', status: 400, code: 'DIGEST_INVALID' },
  { what: 'manifest PUT by a digest not matching', method: 'PUT', path: () => `/v2/safe/app/manifests/${D0}`, body: validManifest, headers: { 'content-type': MT.ociManifest }, status: 400, code: 'DIGEST_INVALID' },
];

const UPLOAD_IDS: Row[] = [
  { what: 'id ..', method: 'GET', path: () => '/v2/safe/app/blobs/uploads/..', status: 404, code: 'BLOB_UPLOAD_UNKNOWN' },
  { what: 'id encoded ../', method: 'PATCH', path: () => '/v2/safe/app/blobs/uploads/%2e%2e%2f%2e%2e%2fescape', body: () => 'xyz', status: 404, code: 'BLOB_UPLOAD_UNKNOWN' },
  { what: 'id not a UUID', method: 'PUT', path: () => `/v2/safe/app/blobs/uploads/not-a-uuid?digest=${sha256('x')}`, body: () => 'x', status: 404, code: 'BLOB_UPLOAD_UNKNOWN' },
  { what: 'id uppercase UUID', method: 'PATCH', path: () => `/v2/safe/app/blobs/uploads/${otherUpload.toUpperCase()}`, body: () => 'x', status: 404, code: 'BLOB_UPLOAD_UNKNOWN' },
  { what: 'id _tmp', method: 'DELETE', path: () => '/v2/safe/app/blobs/uploads/_tmp', status: 404, code: 'BLOB_UPLOAD_UNKNOWN' },
  { what: 'id of another repository', method: 'PATCH', path: () => `/v2/safe/app/blobs/uploads/${otherUpload}`, body: () => 'x', status: 404, code: 'BLOB_UPLOAD_UNKNOWN' },
  { what: 'cancel of another repository', method: 'DELETE', path: () => `/v2/safe/app/blobs/uploads/${otherUpload}`, status: 404, code: 'BLOB_UPLOAD_UNKNOWN' },
];

const RANGES: Row[] = [
  { what: 'Range beyond 2^53', method: 'GET', path: () => `/v2/safe/app/blobs/${blob}`, headers: { range: 'bytes=99999999999999999999999-' }, status: 416, code: 'RANGE_INVALID' },
  { what: 'Range end before start', method: 'GET', path: () => `/v2/safe/app/blobs/${blob}`, headers: { range: 'bytes=50-10' }, status: 416, code: 'RANGE_INVALID' },
  { what: 'Range -0', method: 'GET', path: () => `/v2/safe/app/blobs/${blob}`, headers: { range: 'bytes=-0' }, status: 416, code: 'RANGE_INVALID' },
  { what: 'Range with several ranges (ignored)', method: 'GET', path: () => `/v2/safe/app/blobs/${blob}`, headers: { range: 'bytes=0-1,5-6' }, status: 200 },
  { what: 'Range garbage (ignored)', method: 'GET', path: () => `/v2/safe/app/blobs/${blob}`, headers: { range: 'bytes=abc' }, status: 200 },
  { what: 'Range other unit (ignored)', method: 'GET', path: () => `/v2/safe/app/blobs/${blob}`, headers: { range: 'items=0-5' }, status: 200 },
  { what: 'Content-Range huge end', method: 'PATCH', path: () => upload, headers: { 'content-range': '10-99999999999999999999999' }, body: () => randomBytes(10), status: 400, code: 'SIZE_INVALID' },
  { what: 'Content-Range huge start', method: 'PATCH', path: () => upload, headers: { 'content-range': '99999999999999999999-99999999999999999999' }, body: () => 'x', status: 416, code: 'RANGE_INVALID' },
  { what: 'Content-Range end before start', method: 'PATCH', path: () => upload, headers: { 'content-range': '10-9' }, body: () => 'x', status: 416, code: 'RANGE_INVALID' },
  { what: 'Content-Range garbage', method: 'PATCH', path: () => upload, headers: { 'content-range': 'garbage' }, body: () => 'x', status: 416, code: 'RANGE_INVALID' },
  { what: 'Content-Range negative', method: 'PATCH', path: () => upload, headers: { 'content-range': '-5-10' }, body: () => 'x', status: 416, code: 'RANGE_INVALID' },
  { what: 'Content-Range rewinding the upload', method: 'PATCH', path: () => upload, headers: { 'content-range': '0-4' }, body: () => randomBytes(5), status: 416, code: 'RANGE_INVALID' },
  { what: 'Content-Range beyond the upload', method: 'PATCH', path: () => upload, headers: { 'content-range': '20-24' }, body: () => randomBytes(5), status: 416, code: 'RANGE_INVALID' },
  { what: 'chunk of another type', method: 'PATCH', path: () => upload, headers: { 'content-type': 'text/html' }, body: () => '<script>', status: 400, code: 'BLOB_UPLOAD_INVALID' },
];

const put = (what: string, body: () => Buffer | string, code = 'MANIFEST_INVALID', status = 400): Row => ({
  what,
  method: 'PUT',
  path: () => '/v2/safe/app/manifests/hostile',
  headers: { 'content-type': MT.ociManifest },
  body,
  status,
  code,
});

const BODIES: Row[] = [
  put('not JSON', () => 'not json'),
  put('empty', () => ''),
  put('truncated JSON', () => '{"schemaVersion":2,'),
  put('null', () => 'null'),
  put('a string', () => '"manifest"'),
  put('binary garbage', () => randomBytes(4096)),
  put('deeply nested arrays', () => `${'['.repeat(100_000)}${']'.repeat(100_000)}`),
  put('schemaVersion 1', () => JSON.stringify({ schemaVersion: 1, fsLayers: [] })),
  put('digest that is a path', () => manifestWith({ config: { mediaType: MT.ociConfig, digest: '../../../etc/passwd', size: 1 } })),
  put('negative size', () => manifestWith({ config: { mediaType: MT.ociConfig, digest: D0, size: -1 } })),
  put('huge size', () => manifestWith({ config: { mediaType: MT.ociConfig, digest: D0, size: 1e300 } })),
  put('layers not an array', () => manifestWith({ layers: 'x' })),
  put('annotations not strings', () => manifestWith({ annotations: { a: 1 } })),
  put('subject with a path digest', () => manifestWith({ subject: { mediaType: MT.ociManifest, digest: 'sha256:../../x', size: 1 } })),
  put('index with manifests not a list', () => JSON.stringify({ schemaVersion: 2, mediaType: MT.ociIndex, manifests: {} })),
  put('__proto__ keys', () => '{"__proto__":{"schemaVersion":2},"schemaVersion":2,"mediaType":"x/y"}'),
  put('unknown blobs', () => manifestWith({}), 'MANIFEST_BLOB_UNKNOWN'),
  { ...put('tag ..', validManifest, 'TAG_INVALID'), path: () => '/v2/safe/app/manifests/..' },
  { ...put('tag .hidden', validManifest, 'TAG_INVALID'), path: () => '/v2/safe/app/manifests/.hidden' },
  { ...put('tag %2e%2e', validManifest, 'TAG_INVALID'), path: () => '/v2/safe/app/manifests/%2e%2e' },
  { ...put('tag of 129 characters', validManifest, 'TAG_INVALID'), path: () => `/v2/safe/app/manifests/${'t'.repeat(129)}` },
  { what: 'delete tag ..', method: 'DELETE', path: () => '/v2/safe/app/manifests/..', status: 400, code: 'TAG_INVALID' },
  { what: 'catalog last=../..', method: 'GET', path: () => '/v2/_catalog?last=../..&n=1', status: 200 },
];

async function escapees(): Promise<string[]> {
  return (await fs.readdir(reg.scratch)).filter((e) => e !== 'store');
}

describe.each([
  ['names', NAMES],
  ['digests', DIGESTS],
  ['upload ids', UPLOAD_IDS],
  ['ranges', RANGES],
  ['bodies and tags', BODIES],
])('hostile %s', (_group, rows) => {
  it.each(rows)('$what: $method → $status $code', async ({ method, path, headers, body, status, code }) => {
    const res = await rawRequest(reg.port, method, path(), { ...(headers ? { headers } : {}), ...(body ? { body: body() } : {}) });
    expect(res.status).toBe(status);
    expect(res.headers['docker-distribution-api-version']).toBe('registry/2.0');
    if (code) expect(errorCode(res.body)).toBe(code);
    expect(await treeChecksum(reg.root)).toEqual(before);
    expect(await escapees()).toEqual([]);
    expect(reg.logs).toEqual([]);
  });
});

describe('hostile raw bytes', () => {
  it('a NUL byte in the request line is refused and touches nothing', async () => {
    const response = await new Promise<string>((resolve, reject) => {
      const socket = net.connect(reg.port, '127.0.0.1', () => {
        socket.end('POST /v2/safe\0/../../escape/blobs/uploads/ HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n');
      });
      let data = '';
      socket.on('data', (c: Buffer) => (data += c.toString('latin1')));
      socket.on('end', () => resolve(data));
      socket.on('error', reject);
    });
    expect(response).toMatch(/^HTTP\/1\.1 400 /);
    expect(await treeChecksum(reg.root)).toEqual(before);
    expect(await escapees()).toEqual([]);
  });

  it('the checksum sees changes (a real push changes it)', async () => {
    await pushBlob(reg.url, 'safe/app', 'a legitimate blob');
    expect(await treeChecksum(reg.root)).not.toEqual(before);
  });
});
