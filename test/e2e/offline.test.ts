// End to end: the console page outlives its server. Stopped, the page says so (banner, grey status, dimmed
// lists); started again on the same port and data folder, it recovers by itself with the same token and
// shows what changed meanwhile, without a reload.
import { mkdirSync } from 'node:fs';
import * as nodePath from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { berthCommand, removeDir, scratchDir } from '../support/berth.js';
import { randomLayer, writeDockerArchive } from '../support/images.js';
import { okOutput, run } from '../support/run.js';
import { freePort } from '../electron/headless-process.js';
import { buildRenderer, CHROMIUM_ARGS, requireChromium, startHeadless, type Headless } from './headless.js';

const ARTIFACTS = nodePath.resolve(import.meta.dirname, '..', 'artifacts', 'e2e');

let dir: string;
let data: string;
let ui: string;
let ports: string[];
let server: Headless | undefined;
let browser: Browser | undefined;
let page: Page;
const problems: string[] = [];

const start = (): Promise<Headless> => startHeadless(data, ui, { args: ports });

beforeAll(async () => {
  const executablePath = requireChromium();
  mkdirSync(ARTIFACTS, { recursive: true });
  dir = scratchDir('berth-e2e-offline-');
  data = nodePath.join(dir, 'data');
  ui = nodePath.join(dir, 'ui');
  await buildRenderer(ui);
  ports = ['--addr', `127.0.0.1:${await freePort()}`, '--console-addr', `127.0.0.1:${await freePort()}`];
  server = await start();
  browser = await chromium.launch({ executablePath, headless: true, args: CHROMIUM_ARGS });
  page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
  if (dir) removeDir(dir);
});

describe('console when its server goes away and comes back', () => {
  it('shows the banner once the server stops, and recovers by itself when it is back', async () => {
    const firstUrl = server?.consoleUrl ?? '';
    await page.goto(firstUrl);
    await page.getByRole('heading', { name: 'No images yet' }).waitFor();
    await page.getByTestId('status-registry').filter({ hasText: 'Registry: 127.0.0.1:' }).waitFor();
    await page.evaluate(() => {
      (window as unknown as { marker: string }).marker = 'same page';
    });
    expect(await page.getByTestId('offline-banner').count()).toBe(0);

    await server?.stop();
    server = undefined;
    const banner = page.getByTestId('offline-banner');
    await banner.waitFor();
    expect(await banner.textContent()).toContain('Berth is not answering.');
    expect(await page.locator('.app.offline').count()).toBe(1);
    // The status dots are no longer green: what they say is from before.
    const dot = await page.getByTestId('status-registry').locator('.dot').evaluate((el) => getComputedStyle(el).backgroundColor);
    const green = await page.evaluate(() => {
      const probe = document.createElement('span');
      probe.style.color = 'var(--ok)';
      document.body.append(probe);
      const color = getComputedStyle(probe).color;
      probe.remove();
      return color;
    });
    expect(dot).not.toBe(green);
    await page.screenshot({ path: nodePath.join(ARTIFACTS, 'offline-01-banner.png'), fullPage: true });

    // While it is down, an image lands in its data folder (berth import, as a user might).
    const archive = nodePath.join(dir, 'app.tar');
    await writeDockerArchive(archive, [{ repoTags: ['offline/app:1.0'], layers: [randomLayer(20_000)] }]);
    okOutput(await run(process.execPath, [berthCommand(), 'import', archive, '--root', data]));

    // Same port, same data folder: the same token, so the open page just carries on.
    server = await start();
    expect(server.consoleUrl).toBe(firstUrl);
    await banner.waitFor({ state: 'detached' });
    await page.getByRole('link', { name: 'offline/app' }).waitFor();
    expect(await page.locator('.app.offline').count()).toBe(0);
    expect(await page.evaluate(() => (window as unknown as { marker?: string }).marker)).toBe('same page');
    await page.screenshot({ path: nodePath.join(ARTIFACTS, 'offline-02-recovered.png'), fullPage: true });
    expect(problems).toEqual([]);
  });
});
