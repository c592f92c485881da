// The console token is kept in the data folder: links survive restarts, `console-url` prints them,
// `--new-token` replaces the token (also under a running console, whose old links stop working).
import { chmodSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import * as nodePath from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { consoleStartLine } from '../../electron/headless/console-server.js';
import { ConsoleTokenSource, loadConsoleToken, TOKEN_FILE } from '../../electron/headless/console-token.js';
import { removeDir, scratchDir } from '../support/berth.js';
import { okOutput } from '../support/run.js';
import { consoleUrlCommand, freePort, startHeadless, startHeadlessOnTerminal, type HeadlessProcess } from './headless-process.js';

const dirs: string[] = [];
const running: HeadlessProcess[] = [];
const scratch = (): string => {
  const dir = scratchDir('berth-token-');
  dirs.push(dir);
  return dir;
};

afterEach(async () => {
  for (const server of running.splice(0)) await server.stop();
  for (const dir of dirs.splice(0)) removeDir(dir);
});

const status = (server: HeadlessProcess, token: string): Promise<number> =>
  fetch(`${server.console}/api/getStatus`, { method: 'POST', body: '{}', headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' } }).then((r) => r.status);

const fileToken = (root: string): string => readFileSync(nodePath.join(root, TOKEN_FILE), 'utf8').trim();
const mode = (root: string): number => statSync(nodePath.join(root, TOKEN_FILE)).mode & 0o777;

describe('console token file', () => {
  it('is made once, owner-only, and reused; rotation replaces it', async () => {
    const root = scratch();
    const first = await loadConsoleToken(root);
    expect(first).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(fileToken(root)).toBe(first);
    expect(mode(root)).toBe(0o600);
    expect(await loadConsoleToken(root)).toBe(first);
    const rotated = await loadConsoleToken(root, { rotate: true });
    expect(rotated).not.toBe(first);
    expect(fileToken(root)).toBe(rotated);
    expect(mode(root)).toBe(0o600);
  });

  it('narrows a widened file and replaces a damaged one', async () => {
    const root = scratch();
    const token = await loadConsoleToken(root);
    chmodSync(nodePath.join(root, TOKEN_FILE), 0o644);
    expect(await loadConsoleToken(root)).toBe(token);
    expect(mode(root)).toBe(0o600);
    writeFileSync(nodePath.join(root, TOKEN_FILE), 'short\n');
    const fresh = await loadConsoleToken(root);
    expect(fresh).not.toBe(token);
    expect(fresh).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it('a running source follows the file, and puts a deleted one back', async () => {
    const root = scratch();
    const source = await ConsoleTokenSource.open(root);
    const first = await source.current();
    const rotated = await loadConsoleToken(root, { rotate: true });
    expect(await source.current()).toBe(rotated);
    removeDir(nodePath.join(root, TOKEN_FILE));
    expect(await source.current()).toBe(rotated);
    expect(fileToken(root)).toBe(rotated);
    expect(rotated).not.toBe(first);
  });
});

describe('headless console across restarts', () => {
  it('keeps its link over a restart, prints it with console-url, and --new-token retires the old one', async () => {
    const root = scratch();
    const ui = scratch();
    const port = await freePort();
    const flags = ['--console-addr', `127.0.0.1:${port}`];
    const first = await startHeadless(root, flags, { BERTH_RENDERER_DIR: ui });
    running.push(first);
    expect(first.token).toBe(fileToken(root));
    expect(mode(root)).toBe(0o600);
    expect(await first.stop()).toBe(0);
    running.pop();

    const second = await startHeadless(root, flags, { BERTH_RENDERER_DIR: ui });
    running.push(second);
    expect(second.token).toBe(first.token);
    expect(await status(second, first.token)).toBe(200);

    // The same flags as the server: the same link.
    expect(okOutput(await consoleUrlCommand(['--root', root, ...flags]))).toBe(`http://127.0.0.1:${port}/?token=${first.token}`);

    // Rotated beside the running console: the old link is refused at once, the new one works.
    const printed = okOutput(await consoleUrlCommand(['--root', root, ...flags, '--new-token']));
    const rotated = new URL(printed).searchParams.get('token') ?? '';
    expect(printed).toBe(`http://127.0.0.1:${port}/?token=${rotated}`);
    expect(rotated).not.toBe(first.token);
    expect(await status(second, first.token)).toBe(401);
    expect(await status(second, rotated)).toBe(200);
    expect(await second.stop()).toBe(0);
    running.pop();

    // `npm run serve -- --new-token` rotates at start.
    const third = await startHeadless(root, [...flags, '--new-token'], { BERTH_RENDERER_DIR: ui });
    running.push(third);
    expect(third.token).not.toBe(rotated);
    expect(third.token).toBe(fileToken(root));
    expect(await status(third, rotated)).toBe(401);
  });

  it('started with stdout not a terminal (a service journal), prints no token, only how to get the link', async () => {
    const root = scratch();
    const server = await startHeadless(root, [], { BERTH_RENDERER_DIR: scratch() });
    running.push(server);
    const token = fileToken(root);
    expect(server.output()).not.toContain(token);
    expect(server.output()).not.toContain('token=');
    const line = /^berth console: (\S+) \(the link with its token: berth console-url (.+)\)$/m.exec(server.output());
    expect(line?.[1]).toBe(server.console);
    // The command it names prints the working link.
    const link = okOutput(await consoleUrlCommand((line?.[2] ?? '').split(' ')));
    expect(link).toBe(`${server.console}/?token=${token}`);
    expect(await status(server, token)).toBe(200);
  });

  it('started on a terminal, prints the link with its token', async () => {
    const root = scratch();
    const server = await startHeadlessOnTerminal(root, { BERTH_RENDERER_DIR: scratch() });
    try {
      expect(server.consoleLine).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:\\d+/\\?token=${fileToken(root)}$`));
    } finally {
      expect(await server.stop()).toBe(0);
    }
  });

  it('the start line carries the link with its token only for a terminal', () => {
    const listening = { address: { host: '0.0.0.0', port: 6080 }, url: 'http://127.0.0.1:6080/?token=secret-token', close: async () => undefined };
    expect(consoleStartLine(listening, '/srv/berth', true)).toBe('berth console: http://127.0.0.1:6080/?token=secret-token');
    const quiet = consoleStartLine(listening, "/srv/my berth's data", false);
    expect(quiet).toBe("berth console: http://127.0.0.1:6080 (the link with its token: berth console-url --root '/srv/my berth'\\''s data' --console-addr 0.0.0.0:6080)");
    expect(quiet).not.toContain('secret-token');
  });

  it('console-url refuses an unknown port and a wildcard address prints as loopback', async () => {
    const root = scratch();
    const zero = await consoleUrlCommand(['--root', root, '--console-addr', '127.0.0.1:0']);
    expect(zero.code).toBe(2);
    expect(zero.stdout).toContain('--console-addr has port 0');
    const wildcard = okOutput(await consoleUrlCommand(['--root', root, '--console-addr', '0.0.0.0:6080']));
    expect(wildcard).toBe(`http://127.0.0.1:6080/?token=${fileToken(root)}`);
  });
});
