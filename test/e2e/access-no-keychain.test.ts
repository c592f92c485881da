// End to end: the Access page in Chromium against a headless server with no Secret Service at all (no
// D-Bus session, as on a server or in CI). Users come from htpasswd; one notice says what is missing.
import { mkdirSync, readFileSync } from 'node:fs';
import * as nodePath from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Htpasswd } from '../../server/auth/htpasswd.js';
import { berthCommand, removeDir, scratchDir } from '../support/berth.js';
import { okOutput, run } from '../support/run.js';
import { buildRenderer, CHROMIUM_ARGS, requireChromium, startHeadless, type Headless } from './headless.js';

const ARTIFACTS = nodePath.resolve(import.meta.dirname, '..', 'artifacts', 'e2e');

let dir: string;
let htpasswd: string;
let server: Headless | undefined;
let browser: Browser | undefined;
let page: Page;

const verify = (name: string, password: string): Promise<boolean> => Htpasswd.parse(readFileSync(htpasswd, 'utf8')).verify(name, password);

beforeAll(async () => {
  const executablePath = requireChromium();
  mkdirSync(ARTIFACTS, { recursive: true });
  dir = scratchDir('berth-e2e-nokc-');
  const data = nodePath.join(dir, 'data');
  mkdirSync(data, { recursive: true });
  htpasswd = nodePath.join(data, 'htpasswd');
  // Added from the command line before the console ever ran.
  okOutput(await run(process.execPath, [berthCommand(), 'user', 'add', 'bob', '--htpasswd', htpasswd], { input: 'bob-password-0001\n' }));
  await buildRenderer(nodePath.join(dir, 'ui'));
  server = await startHeadless(data, nodePath.join(dir, 'ui'), { env: { DBUS_SESSION_BUS_ADDRESS: undefined } });
  browser = await chromium.launch({ executablePath, headless: true, args: CHROMIUM_ARGS });
  page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
  await page.goto(server.consoleUrl);
  await page.getByRole('link', { name: 'Access' }).click();
  await page.getByRole('heading', { name: 'Users' }).waitFor();
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
  if (dir) removeDir(dir);
});

describe('Access page without a keychain', () => {
  it('lists the htpasswd users and says once what is missing, with no error walls', async () => {
    const bob = page.getByRole('row').filter({ hasText: 'bob' });
    await bob.getByText('hash only').waitFor();
    const notice = page.getByTestId('keychain-notice');
    expect(await notice.count()).toBe(1);
    expect(await notice.locator('strong').textContent()).toBe('No keychain: this session has no D-Bus, so no Secret Service.');
    expect(await notice.textContent()).toContain('apt install gnome-keyring');
    // The D-Bus words are folded away, and no card on the page is an error.
    expect(await notice.locator('details').evaluate((d) => (d as HTMLDetailsElement).open)).toBe(false);
    expect(await page.getByRole('alert').count()).toBe(0);
    for (const name of ['Show', 'Copy', 'Log Docker in as bob']) {
      const button = bob.getByRole('button', { name, exact: true });
      expect(await button.isDisabled()).toBe(true);
      expect(await button.getAttribute('title')).toMatch(/^No keychain/);
    }
    await page.screenshot({ path: nodePath.join(ARTIFACTS, 'nokc-01-users.png'), fullPage: true });
  });

  it('adds and rotates with the password shown once, and removes', async () => {
    await page.getByLabel('User name').fill('carol');
    await page.getByRole('button', { name: 'Add user' }).click();
    const revealed = page.getByTestId('revealed-password');
    await revealed.waitFor();
    const password = (await revealed.textContent()) ?? '';
    expect(password).toMatch(/^[A-Za-z0-9_-]{32}$/);
    await page.getByTestId('shown-once').waitFor();
    expect(await page.getByRole('button', { name: 'Copy the password of carol' }).isEnabled()).toBe(true);
    expect(await verify('carol', password)).toBe(true);
    const carol = page.getByRole('row').filter({ hasText: 'carol' });
    await carol.getByText('hash only').waitFor();
    await page.screenshot({ path: nodePath.join(ARTIFACTS, 'nokc-02-added.png'), fullPage: true });

    await carol.getByRole('button', { name: 'Rotate' }).click();
    await page.getByTestId('revealed-password').filter({ hasNotText: password }).waitFor();
    const rotated = (await page.getByTestId('revealed-password').textContent()) ?? '';
    expect(await verify('carol', rotated)).toBe(true);
    expect(await verify('carol', password)).toBe(false);

    await carol.getByRole('button', { name: 'Remove' }).click();
    await carol.waitFor({ state: 'detached' });
    expect(readFileSync(htpasswd, 'utf8')).not.toContain('carol');
    expect(await page.getByRole('row').filter({ hasText: 'bob' }).count()).toBe(1);
    expect(await page.getByRole('alert').count()).toBe(0);
  });
});
