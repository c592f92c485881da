import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorCode, startTestRegistry, type TestRegistry } from '../../../support/registry-client.js';
import { imageManifest, MT, pushImageBlobs, type PushedImage } from './fixtures.js';

/**
 * A manifest over 4 MiB is refused with 413, and fetch-based clients (undici) see that answer rather than
 * EPIPE: the server reads the rest of a body of bounded size before answering.
 */
let reg: TestRegistry;
let blobs: PushedImage;
const NAME = 'big/app';
beforeAll(async () => {
  reg = await startTestRegistry();
  blobs = await pushImageBlobs(reg.url, NAME);
});
afterAll(() => reg.close());

const tooBig = (): string => imageManifest(blobs, { extra: { annotations: { big: 'x'.repeat(5 * 1024 * 1024) } } });

async function expectRefused(res: Response): Promise<void> {
  expect(res.status).toBe(413);
  expect(res.headers.get('content-type')).toMatch(/^application\/json/);
  expect(errorCode(Buffer.from(await res.arrayBuffer()))).toBe('MANIFEST_INVALID');
}

describe('a manifest over 4 MiB', () => {
  it('with Content-Length: fetch gets the 413 in the v2 envelope', async () => {
    await expectRefused(await fetch(`${reg.url}/v2/${NAME}/manifests/big`, { method: 'PUT', body: tooBig(), headers: { 'content-type': MT.ociManifest } }));
  });

  it('chunked (no Content-Length): fetch gets the 413 too', async () => {
    const bytes = Buffer.from(tooBig());
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let at = 0; at < bytes.length; at += 256 * 1024) controller.enqueue(new Uint8Array(bytes.subarray(at, at + 256 * 1024)));
        controller.close();
      },
    });
    const res = await fetch(`${reg.url}/v2/${NAME}/manifests/big-chunked`, { method: 'PUT', body, duplex: 'half', headers: { 'content-type': MT.ociManifest } } as RequestInit);
    await expectRefused(res);
  });

  it('stores nothing, and the registry keeps answering (also after a body too large to drain)', async () => {
    const huge = fetch(`${reg.url}/v2/${NAME}/manifests/huge`, { method: 'PUT', body: Buffer.alloc(64 * 1024 * 1024, 32), headers: { 'content-type': MT.ociManifest } });
    // Past the drain budget the connection is closed after the answer: either outcome is fine for the client.
    const outcome = await huge.then((r) => r.status, () => 'closed');
    expect([413, 'closed']).toContain(outcome);
    for (const ref of ['big', 'big-chunked', 'huge']) expect((await fetch(`${reg.url}/v2/${NAME}/manifests/${ref}`, { method: 'HEAD' })).status).toBe(404);
    expect((await fetch(`${reg.url}/v2/`)).status).toBe(200);
  });
});
