// LocalDriver.sendTo, the blob GET's path: two reused buffers between the file and the response. Real HTTP
// server and client; the files span several of its 2 MiB buffers so reuse is exercised.
import { randomBytes } from 'node:crypto';
import { createServer, get, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PathNotFoundError } from '../../../../server/errors/domain.js';
import { LocalDriver } from '../../../../server/storage/drivers/local.js';
import { removeDir, scratchDir } from '../../../support/berth.js';

const A = randomBytes(5 * (1 << 20) + 123);
const B = randomBytes(3 * (1 << 20) + 7);

let root: string;
let driver: LocalDriver;
let server: Server;
let url: string;
const outcomes: Promise<unknown>[] = [];

beforeEach(async () => {
  root = scratchDir('berth-file-sender-');
  driver = new LocalDriver(root);
  await driver.putContent('a', A);
  await driver.putContent('b', B);
  // GET /<path>?offset=N&length=M
  server = createServer((req, res) => {
    const target = new URL(req.url ?? '/', 'http://x');
    const offset = Number(target.searchParams.get('offset') ?? 0);
    const length = Number(target.searchParams.get('length'));
    const sent = driver.sendTo(target.pathname.slice(1), res, { offset, length, beforeFirstByte: () => res.writeHead(200, { 'Content-Length': String(length) }) });
    outcomes.push(sent.catch((err: unknown) => err));
    sent.catch(() => {
      if (!res.headersSent) res.writeHead(404).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterEach(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  outcomes.length = 0;
  await removeDir(root);
});

function fetchBytes(path: string, offset: number, length: number): Promise<{ status: number; body: Buffer }> {
  return new Promise((resolve, reject) => {
    get(`${url}/${path}?offset=${offset}&length=${length}`, (res: IncomingMessage) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    }).on('error', reject);
  });
}

describe('LocalDriver.sendTo', () => {
  it('sends the whole file and ranges at both ends, across several buffers', async () => {
    expect((await fetchBytes('a', 0, A.length)).body.equals(A)).toBe(true);
    expect((await fetchBytes('a', 0, 10)).body.equals(A.subarray(0, 10))).toBe(true);
    const tail = (1 << 21) + 5;
    expect((await fetchBytes('a', A.length - tail, tail)).body.equals(A.subarray(A.length - tail))).toBe(true);
    expect((await fetchBytes('a', 1, (4 << 20) + 1)).body.equals(A.subarray(1, (4 << 20) + 2))).toBe(true);
  });

  it('throws PathNotFoundError before the first byte for a missing file', async () => {
    expect((await fetchBytes('missing', 0, 1)).status).toBe(404);
    expect(await outcomes[0]).toBeInstanceOf(PathNotFoundError);
  });

  it('concurrent sends each get their own bytes', async () => {
    const [a, b, a2] = await Promise.all([fetchBytes('a', 0, A.length), fetchBytes('b', 0, B.length), fetchBytes('a', 3, A.length - 3)]);
    expect(a.body.equals(A)).toBe(true);
    expect(b.body.equals(B)).toBe(true);
    expect(a2.body.equals(A.subarray(3))).toBe(true);
  });

  it('a client that goes away fails that send only; the next one gets intact bytes', async () => {
    // Larger than what loopback socket buffers can hold, so the send is still going when the client leaves.
    const big = 48 << 20;
    await driver.putContent('big', Buffer.alloc(big, 7));
    await new Promise<void>((resolve) => {
      const req = get(`${url}/big?offset=0&length=${big}`, (res) => {
        res.once('data', () => {
          req.destroy();
          resolve();
        });
      });
      req.on('error', () => undefined);
      req.on('close', resolve);
    });
    expect(await outcomes[0]).toBeInstanceOf(Error);
    expect((await fetchBytes('a', 0, A.length)).body.equals(A)).toBe(true);
    expect((await fetchBytes('b', 0, B.length)).body.equals(B)).toBe(true);
  });
});
