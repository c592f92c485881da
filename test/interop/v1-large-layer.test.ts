import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import * as http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeDir, startBerth, type BerthProcess } from '../support/berth.js';
import { rawRequest } from '../support/registry-client.js';
import { payloadChecksum, randomImageId } from '../server/http/v1/v1-push.js';

const MiB = 1024 * 1024;
const LAYER_MIB = 256;

/** Peak resident memory of a process, from /proc (bytes). */
const peakRss = (pid: number): number => Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? NaN) * 1024;

/** The bytes of layer chunk `i`: distinct per chunk, so nothing can be deduplicated or compressed away. */
const chunkOf = (seed: Buffer, i: number): Buffer => {
  const chunk = Buffer.from(seed);
  chunk.writeUInt32BE(i, 0);
  return chunk;
};

/** A layer far larger than the memory the server may use for it: PUT and GET must both stream. */
describe('a 256 MiB v1 layer through berth serve', () => {
  let berth: BerthProcess;
  beforeAll(async () => {
    berth = await startBerth();
  });
  afterAll(async () => {
    await berth?.stop();
    if (berth) removeDir(berth.root);
  });

  it('is pushed chunked and pulled back with the same bytes, in flat memory', async () => {
    const id = randomImageId();
    const json = Buffer.from(JSON.stringify({ id }));
    expect((await rawRequest(berth.port, 'PUT', `/v1/images/${id}/json`, { body: json })).status).toBe(200);
    const seed = randomBytes(MiB);
    const pid = berth.child.pid as number;
    const before = peakRss(pid);

    const sent = createHash('sha256');
    const payload = createHash('sha256').update(json).update('\n');
    const status = await new Promise<number>((resolve, reject) => {
      const req = http.request({ host: '127.0.0.1', port: berth.port, method: 'PUT', path: `/v1/images/${id}/layer`, headers: { 'transfer-encoding': 'chunked' } }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      });
      req.on('error', reject);
      let i = 0;
      const write = (): void => {
        while (i < LAYER_MIB) {
          const chunk = chunkOf(seed, i++);
          sent.update(chunk);
          payload.update(chunk);
          if (!req.write(chunk)) {
            req.once('drain', write);
            return;
          }
        }
        req.end();
      };
      write();
    });
    expect(status).toBe(200);
    const checksum = `sha256:${payload.digest('hex')}`;
    expect(checksum).not.toBe(payloadChecksum(json, Buffer.alloc(0)));
    const done = await rawRequest(berth.port, 'PUT', `/v1/images/${id}/checksum`, { headers: { 'x-docker-checksum-payload': checksum } });
    expect(done.status).toBe(200);

    const received = createHash('sha256');
    let length = 0;
    await new Promise<void>((resolve, reject) => {
      http
        .get({ host: '127.0.0.1', port: berth.port, path: `/v1/images/${id}/layer` }, (res) => {
          expect(res.statusCode).toBe(200);
          res.on('data', (c: Buffer) => {
            received.update(c);
            length += c.byteLength;
          });
          res.on('end', () => resolve());
          res.on('error', reject);
        })
        .on('error', reject);
    });
    expect(length).toBe(LAYER_MIB * MiB);
    expect(received.digest('hex')).toBe(sent.digest('hex'));
    const growth = peakRss(pid) - before;
    expect(growth, `peak RSS grew by ${(growth / MiB).toFixed(1)} MiB`).toBeLessThan(96 * MiB);
  });
});
