import * as fs from 'node:fs/promises';
import * as nodePath from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { ProtocolHandler } from '../../server/http/protocol.js';
import { rawRequest, startTestRegistry, type TestRegistry } from '../support/registry-client.js';

let reg: TestRegistry | undefined;
afterEach(async () => {
  await reg?.close();
  reg = undefined;
});

describe('createServer', () => {
  it('hands /v1/*, /v1 and /_ping to the v1 handler, with the raw path and query', async () => {
    const seen: string[] = [];
    const v1: ProtocolHandler = async (req, res, target) => {
      seen.push(`${req.method} ${target.path} ${target.query.toString()}`);
      res.writeHead(200, { 'Content-Type': 'application/json', 'X-Registry-Version': '0.6.0' });
      res.end('true');
    };
    reg = await startTestRegistry({ v1 });
    for (const path of ['/_ping', '/v1/_ping', '/v1/repositories/a/../b/tags?x=1', '/v1']) {
      const res = await rawRequest(reg.port, 'GET', path);
      expect(res.status, path).toBe(200);
      expect(res.body.toString()).toBe('true');
      expect(res.headers['x-registry-version']).toBe('0.6.0');
      // v1 answers are not v2 answers.
      expect(res.headers['docker-distribution-api-version']).toBeUndefined();
    }
    expect(seen).toEqual(['GET /_ping ', 'GET /v1/_ping ', 'GET /v1/repositories/a/../b/tags x=1', 'GET /v1 ']);
    // /v2 still goes to the v2 router.
    expect((await rawRequest(reg.port, 'GET', '/v2/')).headers['docker-distribution-api-version']).toBe('registry/2.0');
  });

  it('without a v1 handler, /v1/* answers 404 in the v1 error format', async () => {
    reg = await startTestRegistry();
    for (const path of ['/v1/_ping', '/_ping', '/v1/search?q=x']) {
      const res = await rawRequest(reg.port, 'GET', path);
      expect(res.status, path).toBe(404);
      expect(res.headers['content-type']).toBe('application/json');
      const body = JSON.parse(res.body.toString()) as { error: string };
      expect(body.error).toMatch(/v1 registry API is turned off/);
      expect(Number(res.headers['content-length'])).toBe(res.body.byteLength);
    }
  });

  it('paths of neither protocol are 404 with a JSON error naming where the registry API is', async () => {
    reg = await startTestRegistry();
    for (const path of ['/', '/v1x', '/v22/', '/admin', '/v3/_catalog', '/V2/']) {
      const res = await rawRequest(reg.port, 'GET', path);
      expect(res.status, path).toBe(404);
      expect(res.headers['content-type'], path).toBe('application/json');
      expect(Number(res.headers['content-length']), path).toBe(res.body.byteLength);
      expect(JSON.parse(res.body.toString()), path).toEqual({ error: `not found: GET ${path} is not a registry path; the registry API is under /v2/` });
      // Not a v2 answer: no v2 client asked.
      expect(res.headers['docker-distribution-api-version'], path).toBeUndefined();
    }
    const head = await rawRequest(reg.port, 'HEAD', '/favicon.ico');
    expect([head.status, head.headers['content-type'], head.body.byteLength]).toEqual([404, 'application/json', 0]);
    expect(Number(head.headers['content-length'])).toBeGreaterThan(0);
  });

  it('with v1 on, the answer for a path of neither protocol names both APIs', async () => {
    const v1: ProtocolHandler = async (_req, res) => {
      res.end('true');
    };
    reg = await startTestRegistry({ v1 });
    const res = await rawRequest(reg.port, 'POST', '/index.html', { body: 'ignored' });
    expect(res.status).toBe(404);
    expect(JSON.parse(res.body.toString())).toEqual({ error: 'not found: POST /index.html is not a registry path; the registry APIs are under /v2/ and /v1/' });
  });

  it('an unknown path under /v2/ is the v2 envelope (UNSUPPORTED, 404) that docs/wire-errors.md lists', async () => {
    reg = await startTestRegistry();
    for (const path of ['/v2/nothing/here', '/v2/_catalog/more', '/v2/a/b/blobz/x']) {
      const res = await rawRequest(reg.port, 'GET', path);
      expect(res.status, path).toBe(404);
      expect(res.headers['docker-distribution-api-version'], path).toBe('registry/2.0');
      expect(JSON.parse(res.body.toString()), path).toEqual({ errors: [{ code: 'UNSUPPORTED', message: `no such endpoint: GET ${path}`, detail: null }] });
    }
  });

  it('a handler that throws gets a 500, and the cause is logged once', async () => {
    const v1: ProtocolHandler = async () => {
      throw new Error('v1 exploded');
    };
    reg = await startTestRegistry({ v1 });
    const res = await rawRequest(reg.port, 'GET', '/v1/_ping');
    expect(res.status).toBe(500);
    expect(reg.logs).toHaveLength(1);
    expect(reg.logs[0]).toMatch(/GET \/v1\/_ping: .*v1 exploded/);
  });

  it('a storage failure in a v2 route is a 500 UNKNOWN with the cause logged, not leaked', async () => {
    reg = await startTestRegistry();
    const start = await rawRequest(reg.port, 'POST', '/v2/broken/blobs/uploads/');
    const id = start.headers['docker-upload-uuid'] as string;
    // A directory where the upload's data file should be: the write fails inside the driver.
    await fs.mkdir(nodePath.join(reg.root, 'repositories/broken/_uploads', id, 'data'), { recursive: true });
    const res = await rawRequest(reg.port, 'PATCH', start.headers.location as string, { body: 'bytes' });
    expect(res.status).toBe(500);
    const body = JSON.parse(res.body.toString()) as { errors: { code: string; message: string }[] };
    expect(body.errors[0]?.code).toBe('UNKNOWN');
    expect(res.body.toString()).not.toContain(reg.root);
    expect(res.headers['docker-distribution-api-version']).toBe('registry/2.0');
    expect(reg.logs).toHaveLength(1);
    expect(reg.logs[0]).toMatch(/PATCH .*EISDIR/);
  });
});
