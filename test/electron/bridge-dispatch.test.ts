// One dispatcher behind both transports: the same failure reaches the page as the same envelope over IPC (the
// app's handlers) and over HTTP (the headless console's real server), each code with its own HTTP status.
import { mkdirSync, writeFileSync } from 'node:fs';
import * as nodePath from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { consoleUrl, startConsole, type RunningConsole } from '../../electron/headless/console-server.js';
import { ConsoleTokenSource } from '../../electron/headless/console-token.js';
import { APP_INDEX_URL } from '../../electron/main/app-protocol.js';
import { registerIpcHandlers } from '../../electron/main/ipc.js';
import type { IpcMainInvokeEventPort } from '../../electron/main/ports.js';
import { createBerthServices, type BerthServices } from '../../electron/services/berth-service.js';
import { BRIDGE_CODE_BY_DOMAIN_KIND, ServiceError } from '../../electron/services/bridge-errors.js';
import { dispatch } from '../../electron/services/dispatch.js';
import { BRIDGE_CODES, BRIDGE_HTTP_STATUS, type BridgeCode, type Envelope } from '../../electron/shared/bridge-codes.js';
import { channelOf } from '../../electron/shared/channels.js';
import { METHODS } from '../../electron/shared/methods.js';
import { resolveConfig } from '../../server/config.js';
import { BerthError, type DomainErrorKind } from '../../server/errors/domain.js';
import { removeDir, scratchDir } from '../support/berth.js';

/** The statuses the console promises, written out so a change to the table is a change to this test too. */
const STATUS: Record<BridgeCode, number> = {
  INVALID_INPUT: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  PERMISSION_DENIED: 403,
  CANCELLED: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  PORT_IN_USE: 409,
  READ_ONLY: 409,
  REVERTED: 409,
  INTERNAL: 500,
  UNAVAILABLE: 503,
};

let root: string;
let services: BerthServices;
let running: RunningConsole;
let base: string;
let token: string;
/** What getStatus throws on its next calls (undefined: it answers for real). */
let thrown: unknown;
let statusCalls = 0;
const handlers = new Map<string, (event: IpcMainInvokeEventPort, ...args: unknown[]) => unknown>();
const appPage: IpcMainInvokeEventPort = { senderFrame: { url: APP_INDEX_URL, parent: null } };

beforeAll(async () => {
  root = scratchDir('berth-dispatch-');
  services = await createBerthServices({ config: resolveConfig({ env: {}, flags: { storage: { path: root }, addr: '127.0.0.1:0' } }), dataDir: root, version: 't', log: () => undefined });
  // The real services, with one method made to fail on demand: most codes have no cause a test can stage.
  const realStatus = services.api.getStatus;
  services.api.getStatus = async () => {
    statusCalls++;
    if (thrown !== undefined) throw thrown;
    return realStatus();
  };
  registerIpcHandlers({ handle: (channel, listener) => void handlers.set(channel, listener), removeHandler: (channel) => void handlers.delete(channel) }, services);
  const ui = nodePath.join(root, 'ui');
  mkdirSync(ui);
  writeFileSync(nodePath.join(ui, 'index.html'), '<!doctype html><title>Berth</title>');
  const tokens = await ConsoleTokenSource.open(nodePath.join(root, 'console'));
  token = await tokens.current();
  running = await startConsole(services, { host: '127.0.0.1', port: 0 }, ui, tokens, () => undefined);
  base = new URL(consoleUrl(running.address, token)).origin;
});

afterAll(async () => {
  await running?.close();
  await services?.close();
  if (root) removeDir(root);
});

const overHttp = async (method: string, body: unknown): Promise<{ status: number; envelope: Envelope<unknown> }> => {
  const res = await fetch(`${base}/api/${method}`, { method: 'POST', body: typeof body === 'string' ? body : JSON.stringify(body), headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}` } });
  return { status: res.status, envelope: (await res.json()) as Envelope<unknown> };
};

const overIpc = async (method: string, input: unknown): Promise<Envelope<unknown>> => {
  const handler = handlers.get(`berth:${method}`);
  if (!handler) throw new Error(`no IPC handler for ${method}`);
  return (await handler(appPage, input)) as Envelope<unknown>;
};

/** getStatus failing with `error` over both transports: the HTTP status and the two envelopes. */
async function failBoth(error: unknown): Promise<{ status: number; http: Envelope<unknown>; ipc: Envelope<unknown> }> {
  thrown = error;
  try {
    const { status, envelope } = await overHttp('getStatus', {});
    return { status, http: envelope, ipc: await overIpc('getStatus', undefined) };
  } finally {
    thrown = undefined;
  }
}

describe('the bridge error codes', () => {
  it('are one closed list of unique codes, each with an HTTP status', () => {
    expect(new Set(BRIDGE_CODES).size).toBe(BRIDGE_CODES.length);
    expect([...BRIDGE_CODES].sort()).toEqual(Object.keys(STATUS).sort());
    expect(BRIDGE_HTTP_STATUS).toEqual(STATUS);
  });

  it.each(Object.entries(STATUS))('%s answers HTTP %i from the console, and the same envelope over IPC', async (code, status) => {
    const answered = await failBoth(new ServiceError(code as BridgeCode, `failed with ${code}`, `what to do about ${code}`));
    const envelope = { error: { code, message: `failed with ${code}`, hint: `what to do about ${code}` }, result: null };
    expect(answered).toEqual({ status, http: envelope, ipc: envelope });
  });

  it('maps every domain error kind to its code, the same over both transports', async () => {
    for (const [kind, code] of Object.entries(BRIDGE_CODE_BY_DOMAIN_KIND) as [DomainErrorKind, BridgeCode][]) {
      const answered = await failBoth(new BerthError(kind, `${kind} happened`));
      const envelope = { error: { code, message: `${kind} happened` }, result: null };
      expect(answered, kind).toEqual({ status: STATUS[code], http: envelope, ipc: envelope });
    }
  });
});

describe('dispatch', () => {
  it('gives IPC and HTTP the same envelope for the same failure', async () => {
    // Anything else thrown is INTERNAL with its message, never a stack.
    const plain = await failBoth(new Error('EIO: i/o error, read'));
    expect(plain).toEqual({ status: 500, http: { error: { code: 'INTERNAL', message: 'EIO: i/o error, read' }, result: null }, ipc: plain.http });
    expect(JSON.stringify(plain.http)).not.toContain(' at ');
    const notAnError = await failBoth('a string');
    expect(notAnError).toEqual({ status: 500, http: { error: { code: 'INTERNAL', message: 'a string' }, result: null }, ipc: notAnError.http });

    // Real failures of the real services: input the schema refuses, a domain error from the store.
    for (const [method, input, status, code] of [
      ['listRepositories', { sort: 'sideways' }, 400, 'INVALID_INPUT'],
      ['deleteTag', { repository: 'a', tag: 'b', sneaky: true }, 400, 'INVALID_INPUT'],
      ['deleteRepository', { repository: '../../etc' }, 400, 'INVALID_INPUT'],
      ['getManifest', { repository: 'no/such', reference: 'v1' }, 404, 'NOT_FOUND'],
      ['cancelImport', { id: 'no-such-job' }, 404, 'NOT_FOUND'],
    ] as const) {
      const http = await overHttp(method, input);
      const ipc = await overIpc(method, input);
      expect(http, method).toEqual({ status, envelope: ipc });
      expect(ipc.error?.code, method).toBe(code);
    }
    // And the same answer when the call succeeds.
    const ok = await overHttp('listRepositories', {});
    expect(ok).toEqual({ status: 200, envelope: await overIpc('listRepositories', {}) });
    expect(ok.envelope).toEqual({ error: null, result: { total: 0, items: [] } });
  });

  it('refuses a method that is not on the list, inherited names included, without calling anything', async () => {
    const before = statusCalls;
    for (const name of ['dropTables', 'constructor', '__proto__', 'toString', 'hasOwnProperty', 'getStatus ', '']) {
      const refused = { error: { code: 'NOT_FOUND', message: `no API method ${JSON.stringify(name)}` }, result: null };
      expect(await dispatch(services, name, {}), name).toEqual(refused);
    }
    expect(await overHttp('dropTables', {})).toEqual({ status: 404, envelope: { error: { code: 'NOT_FOUND', message: 'no API method "dropTables"' }, result: null } });
    expect(await overHttp('constructor', {})).toEqual({ status: 404, envelope: { error: { code: 'NOT_FOUND', message: 'no API method "constructor"' }, result: null } });
    // Over IPC an unknown method has no channel at all.
    expect([...handlers.keys()].sort()).toEqual(METHODS.map(channelOf).sort());
    expect(statusCalls).toBe(before);
  });

  it('keeps what each transport checks on its own: one IPC argument, the HTTP body limit and JSON', async () => {
    const extra = (await handlers.get(channelOf('getStatus'))!(appPage, {}, 'second')) as Envelope<unknown>;
    expect(extra).toEqual({ error: { code: 'INVALID_INPUT', message: 'one argument expected' }, result: null });
    expect(await overHttp('getStatus', '{"not json')).toEqual({ status: 400, envelope: { error: { code: 'INVALID_INPUT', message: 'request body is not valid JSON' }, result: null } });
    const large = await overHttp('listRepositories', JSON.stringify({ query: 'x'.repeat(1024 * 1024 + 1) }));
    expect(large).toEqual({ status: 413, envelope: { error: { code: 'INVALID_INPUT', message: 'request body too large' }, result: null } });
  });
});
