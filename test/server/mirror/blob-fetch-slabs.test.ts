import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Writable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createServer } from '../../../server/app.js';
import { PullThrough } from '../../../server/mirror/pull-through.js';
import { SlabResponse } from '../../../server/net/slab-request.js';
import type { FileWriter } from '../../../server/storage/driver.js';
import { LocalDriver } from '../../../server/storage/drivers/local.js';
import { createStore } from '../../../server/storage/store.js';
import { removeDir, scratchDir } from '../../support/berth.js';
import { rawRequest } from '../../support/registry-client.js';
import { pushImage, startUpstream, type Upstream } from './upstream-fixture.js';

/**
 * A blob fetched through the pull-through cache is read from the upstream into 4 MiB slabs that go to the
 * store and to the client at once; a slab may be filled again only once both have taken it.
 */

const MiB = 1024 * 1024;

let upstream: Upstream;
let dir: string;

beforeEach(async () => {
  upstream = await startUpstream();
  dir = scratchDir('berth-mirror-slabs-');
});

afterEach(async () => {
  await upstream.close();
  removeDir(dir);
});

describe('pull-through fetch slabs', () => {
  it('a fetched blob\'s slabs are filled again only once the store and the client both took them', async () => {
    const { manifest, blobs } = await pushImage(upstream.url, 'lib/slabs', 'v1', [40 * MiB, 40 * MiB]);
    const [lateStoreLayer, stalledClientLayer] = (JSON.parse(manifest.toString()) as { layers: { digest: string }[] }).layers.map((l) => l.digest) as [string, string];
    // The store's writer copies each chunk only 30 ms after it arrives, as a writer may until its callback.
    let writerDelayMs = 30;
    class LateCopyDriver extends LocalDriver {
      override async writer(path: string, options: { append: boolean }): Promise<FileWriter> {
        const writer = await super.writer(path, options);
        const stream = writer.stream as Writable & { _write: Writable['_write'] };
        const copy = stream._write.bind(stream);
        stream._write = (chunk, encoding, callback) => void setTimeout(() => copy(chunk, encoding, callback), writerDelayMs);
        return writer;
      }
    }
    const store = createStore(new LateCopyDriver(dir));
    const mirror = new PullThrough(store, [{ prefix: 'up', url: upstream.url, tagTtlSeconds: 30 }]);
    const server = http.createServer(createServer({ store, mirror, log: () => undefined }));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    // Slabs written to the stalled client whose write has not completed, and those handed back meanwhile.
    const unsent = new Set<Buffer>();
    let handedBackUnsent = 0;
    const original = SlabResponse.prototype.recycle;
    const recycle = vi.spyOn(SlabResponse.prototype, 'recycle').mockImplementation(function (this: SlabResponse, slab: Buffer) {
      if (unsent.has(slab)) handedBackUnsent++;
      original.call(this, slab);
    });
    /**
     * With `stallMs`, the server's socket for the download takes nothing for that long (corked): what the
     * server writes waits in its own buffers, as it does for a client whose socket buffers are full.
     */
    const download = (digest: string, stallMs: number): Promise<Buffer> =>
      new Promise((resolve, reject) => {
        const path = `/v2/up/lib/slabs/blobs/${digest}`;
        const stall = (req: http.IncomingMessage, res: http.ServerResponse): void => {
          if (req.url !== path) return;
          server.off('request', stall);
          const write = res.write.bind(res) as (chunk: Buffer, callback: (err?: Error | null) => void) => boolean;
          res.write = ((chunk: Buffer, callback: (err?: Error | null) => void) => {
            unsent.add(chunk);
            return write(chunk, (err) => {
              unsent.delete(chunk);
              callback(err);
            });
          }) as typeof res.write;
          res.socket?.cork();
          setTimeout(() => res.socket?.uncork(), stallMs);
        };
        if (stallMs > 0) server.on('request', stall);
        http.get({ host: '127.0.0.1', port, path, agent: false }, (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () => resolve(Buffer.concat(chunks)));
          res.on('error', reject);
        }).on('error', reject);
      });
    try {
      // A prompt client and a late store, then a stalled client and a prompt store: a slab goes back after the later one.
      expect((await download(lateStoreLayer, 0)).equals(blobs.get(lateStoreLayer) as Buffer)).toBe(true);
      writerDelayMs = 0;
      expect((await download(stalledClientLayer, 500)).equals(blobs.get(stalledClientLayer) as Buffer)).toBe(true);
      expect(handedBackUnsent).toBe(0);
      await mirror.settled();
      for (const digest of [lateStoreLayer, stalledClientLayer]) expect((await rawRequest(port, 'GET', `/v2/up/lib/slabs/blobs/${digest}`)).body.equals(blobs.get(digest) as Buffer), digest).toBe(true);
      // Twenty slabs of 4 MiB in all; those that went back whole were filled again.
      expect(recycle.mock.calls.filter(([slab]) => slab.byteLength === 4 * MiB).length).toBeGreaterThanOrEqual(16);
    } finally {
      recycle.mockRestore();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      mirror.close();
    }
  });
});
