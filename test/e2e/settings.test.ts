// End to end: the Settings page in Chromium against the headless server. Saving restarts the real
// listeners; a port held by another program is refused inline and the registry keeps running.
import { mkdirSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import * as nodePath from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeDir, scratchDir } from '../support/berth.js';
import { buildRenderer, CHROMIUM_ARGS, requireChromium, startHeadless, type Headless } from './headless.js';

const ARTIFACTS = nodePath.resolve(import.meta.dirname, '..', 'artifacts', 'e2e');

let dir: string;
let server: Headless | undefined;
let browser: Browser | undefined;
let page: Page;
let occupier: Server | undefined;
const problems: string[] = [];

/** A port nothing listens on right now (the kernel picks it, then it is released). */
async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as { port: number };
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

/** The registry's address as the status bar shows it ("Registry: 127.0.0.1:PORT"). */
async function registryAddress(): Promise<string> {
  const text = (await page.getByTestId('status-registry').textContent()) ?? '';
  const match = /Registry: (127\.0\.0\.1:\d+)/.exec(text);
  if (!match) throw new Error(`no running registry in the status bar: ${text}`);
  return match[1] as string;
}

const save = async (): Promise<void> => page.getByRole('button', { name: 'Save' }).click();

beforeAll(async () => {
  const executablePath = requireChromium();
  mkdirSync(ARTIFACTS, { recursive: true });
  dir = scratchDir('berth-e2e-settings-');
  await buildRenderer(nodePath.join(dir, 'ui'));
  server = await startHeadless(nodePath.join(dir, 'data'), nodePath.join(dir, 'ui'));
  browser = await chromium.launch({ executablePath, headless: true, args: CHROMIUM_ARGS });
  page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error' && /Content Security Policy/i.test(m.text())) problems.push(m.text());
  });
  await page.goto(server.consoleUrl);
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Settings' }).click();
  await page.getByRole('heading', { name: 'Settings' }).waitFor();
});

afterAll(async () => {
  await browser?.close();
  if (occupier) await new Promise<void>((resolve) => occupier?.close(() => resolve()));
  await server?.stop();
  if (dir) removeDir(dir);
});

describe('Settings page', () => {
  it('turns the v1 API off: /v1/_ping on the registry answers 404 and the status bar says so', async () => {
    const before = await registryAddress();
    expect(before).toBe(server?.registry);
    expect((await fetch(`http://${before}/v1/_ping`)).status).toBe(200);
    await page.getByLabel('Serve the v1 API (/v1/…, /_ping) for older clients').uncheck();
    await save();
    await page.getByText('v1 API: off').waitFor();
    const after = await registryAddress();
    expect((await fetch(`http://${after}/v1/_ping`)).status).toBe(404);
    expect((await fetch(`http://${after}/v2/`)).status).toBe(200);
  });

  it('moves the registry to another port, and the status bar follows', async () => {
    const port = await freePort();
    await page.getByLabel('Registry port').fill(String(port));
    await save();
    await page.getByTestId('status-registry').filter({ hasText: `127.0.0.1:${port}` }).waitFor();
    expect((await fetch(`http://127.0.0.1:${port}/v2/`)).status).toBe(200);
    expect(await page.getByLabel('Registry port').inputValue()).toBe(String(port));
    await page.screenshot({ path: nodePath.join(ARTIFACTS, '10-settings.png'), fullPage: true });
  });

  it('refuses a port another program holds, says what to do, and keeps the registry where it was', async () => {
    const running = await registryAddress();
    occupier = createServer();
    await new Promise<void>((resolve) => occupier?.listen(0, '127.0.0.1', resolve));
    const taken = (occupier.address() as { port: number }).port;
    await page.getByLabel('Registry port').fill(String(taken));
    await save();
    const message = page.getByText(`Port ${taken} is already in use by another program`);
    await message.waitFor();
    expect(await message.textContent()).toContain(`ss -ltnp 'sport = :${taken}'`);
    expect(await page.getByLabel('Registry port').getAttribute('aria-invalid')).toBe('true');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('settings-registryPort');
    await page.screenshot({ path: nodePath.join(ARTIFACTS, '11-settings-port-taken.png'), fullPage: true });
    // The previous listener is still the one serving (its status event may come just after the answer).
    await page.getByTestId('status-registry').filter({ hasText: `Registry: ${running}` }).waitFor();
    expect((await fetch(`http://${running}/v2/`)).status).toBe(200);
    expect(problems).toEqual([]);
  });
});
