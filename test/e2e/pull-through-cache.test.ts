// End to end: the pull-through cache in the console, in Chromium against `berth console --mirror`. The upstream
// is another Berth on loopback; no keychain on this console (no D-Bus), so a mirror's password is refused.
import { mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as nodePath from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeDir, scratchDir } from '../support/berth.js';
import { pushBlob, putManifest, sha256, startTestRegistry, type TestRegistry } from '../support/registry-client.js';
import { buildRenderer, CHROMIUM_ARGS, requireChromium, startHeadless, type Headless } from './headless.js';

const ARTIFACTS = nodePath.resolve(import.meta.dirname, '..', 'artifacts', 'e2e');
const OCI = 'application/vnd.oci.image.manifest.v1+json';
const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

let dir: string;
let upstream: TestRegistry;
let server: Headless | undefined;
let browser: Browser | undefined;
let page: Page;
const problems: string[] = [];
const findings: string[] = [];

interface AxeViolation { id: string; impact: string | null; help: string; nodes: { target: string[]; failureSummary?: string }[] }

/** axe-core on the page as it is, in the light and the dark theme: serious and critical findings are kept. */
async function axeBothThemes(where: string): Promise<void> {
  if (!(await page.evaluate(() => 'axe' in window))) await page.evaluate(AXE_SOURCE);
  for (const theme of ['light', 'dark']) {
    await page.getByRole('combobox', { name: 'Theme' }).selectOption(theme);
    const violations = await page.evaluate(async () => {
      const axe = (window as unknown as { axe: { run(context: Document, options: object): Promise<{ violations: AxeViolation[] }> } }).axe;
      return (await axe.run(document, { resultTypes: ['violations'] })).violations;
    });
    findings.push(...violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${where} (${theme}): [${v.impact}] ${v.id} — ${v.help}\n${v.nodes.map((n) => `    ${n.target.join(' ')}`).join('\n')}`));
  }
}

async function pushImage(base: string, name: string, tag: string, payload: string): Promise<void> {
  const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', payload }));
  const layer = Buffer.from(`layer of ${name}:${tag} ${payload}`.repeat(2000));
  await pushBlob(base, name, config);
  await pushBlob(base, name, layer);
  const manifest = JSON.stringify({
    schemaVersion: 2, mediaType: OCI,
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: sha256(config), size: config.byteLength },
    layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: sha256(layer), size: layer.byteLength }],
  });
  expect((await putManifest(base, name, tag, manifest, OCI)).status).toBe(201);
}

/** Pulls manifest and blobs as a client would, so the cache holds the whole image. */
async function pull(base: string, name: string, tag: string): Promise<void> {
  const res = await fetch(`${base}/v2/${name}/manifests/${tag}`, { headers: { Accept: OCI } });
  expect(res.status).toBe(200);
  const manifest = (await res.json()) as { config: { digest: string }; layers: { digest: string }[] };
  for (const d of [manifest.config.digest, ...manifest.layers.map((l) => l.digest)]) {
    const blob = await fetch(`${base}/v2/${name}/blobs/${d}`);
    expect(blob.status).toBe(200);
    await blob.arrayBuffer();
  }
}

beforeAll(async () => {
  const executablePath = requireChromium();
  mkdirSync(ARTIFACTS, { recursive: true });
  dir = scratchDir('berth-e2e-cache-');
  upstream = await startTestRegistry();
  await pushImage(upstream.url, 'lib/app', 'v1', 'upstream');
  await buildRenderer(nodePath.join(dir, 'ui'));
  server = await startHeadless(nodePath.join(dir, 'data'), nodePath.join(dir, 'ui'), { args: ['--mirror', `up=${upstream.url}`], env: { DBUS_SESSION_BUS_ADDRESS: undefined } });
  await pull(`http://${server.registry}`, 'up/lib/app', 'v1');
  await pushImage(`http://${server.registry}`, 'mine', 'v1', 'own');
  browser = await chromium.launch({ executablePath, headless: true, args: CHROMIUM_ARGS });
  page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  await page.goto(server.consoleUrl);
}, 240_000);

afterAll(async () => {
  await browser?.close();
  await server?.stop();
  await upstream?.close();
  if (dir) removeDir(dir);
});

describe('pull-through cache in the console (Chromium, berth console --mirror)', () => {
  it('marks the cached repository in the list and on its page, exact time on hover; your own has no badge', async () => {
    const table = page.getByRole('table', { name: 'Repositories' });
    const cachedRow = table.getByRole('row').filter({ has: page.getByRole('link', { name: 'up/lib/app' }) });
    await expect.poll(() => cachedRow.getByTestId('cached-badge').count()).toBe(1);
    const host = upstream.url.replace('http://', '');
    expect(await cachedRow.getByTestId('cached-badge').textContent()).toContain(`cached from ${host}`);
    const time = cachedRow.getByTestId('cached-badge').locator('time');
    const iso = (await time.getAttribute('datetime')) ?? '';
    expect(Date.parse(iso)).not.toBeNaN();
    expect(await time.getAttribute('title')).toBe(await page.evaluate((at) => new Date(at).toString(), iso));
    const ownRow = table.getByRole('row').filter({ has: page.getByRole('link', { name: 'mine', exact: true }) });
    expect(await ownRow.getByTestId('cached-badge').count()).toBe(0);
    await axeBothThemes('repositories');

    await table.getByRole('link', { name: 'up/lib/app' }).click();
    await page.getByRole('heading', { name: 'up/lib/app' }).waitFor();
    const badge = page.getByTestId('cached-badge');
    await badge.waitFor();
    expect(await badge.textContent()).toMatch(/last checked .+, last pulled .+/);
    expect(await badge.locator('time').count()).toBe(2);
    await axeBothThemes('repository');
    await page.screenshot({ path: nodePath.join(ARTIFACTS, 'cache-repository.png') });
  });

  it('Storage counts the cache apart; a dry run lists what eviction removes, then it goes', async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Storage' }).click();
    const section = page.getByRole('region', { name: 'Pull-through cache' });
    await expect.poll(() => section.getByTestId('cache-repositories').textContent()).toBe('1');
    expect(await section.getByTestId('cache-bytes').textContent()).not.toBe('0 B');
    await section.getByLabel('Not pulled for').fill('0');
    await section.getByRole('button', { name: 'List what goes (dry run)' }).click();
    const list = section.getByRole('list', { name: 'Cached repositories that would be evicted' });
    await list.waitFor();
    expect(await list.getByRole('listitem').allTextContents()).toEqual([expect.stringMatching(/^up\/lib\/app \(from http:\/\/127\.0\.0\.1:\d+, last pulled /)]);
    await page.screenshot({ path: nodePath.join(ARTIFACTS, 'cache-storage.png') });
    await axeBothThemes('storage');
    await section.getByRole('button', { name: 'Evict 1' }).click();
    await expect.poll(() => section.getByTestId('cache-repositories').textContent()).toBe('0');
    const gone = await fetch(`http://${server?.registry}/v2/up/lib/app/tags/list`);
    expect(gone.status).toBe(404);
    await gone.arrayBuffer();
  });

  it('Settings lists the --mirror, refuses a password without a keychain, adds a Docker Hub mode mirror that then serves, with the daemon.json line', async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Settings' }).click();
    const card = page.getByRole('region', { name: 'Pull-through cache' });
    const mirrors = card.getByRole('list', { name: 'Mirrors' });
    await mirrors.waitFor();
    expect(await mirrors.textContent()).toContain(`up/… from ${upstream.url}`);
    expect(await mirrors.textContent()).toContain('from the configuration');
    expect(await card.getByText(`"registry-mirrors": ["http://${server?.registry}"]`).count()).toBe(1);
    expect(await card.textContent()).toContain('Docker uses mirrors only for Docker Hub names');

    await card.getByLabel('Upstream').fill(upstream.url);
    await card.getByLabel('User name').fill('me');
    await card.getByLabel('Password', { exact: true }).fill('not-kept-anywhere');
    await card.getByRole('button', { name: 'Add mirror' }).click();
    const alert = card.getByRole('alert');
    await alert.waitFor();
    expect(await alert.textContent()).toContain('the password cannot be kept: No keychain');
    await axeBothThemes('settings');

    await card.getByLabel('User name').fill('');
    await card.getByLabel('Password', { exact: true }).fill('');
    await card.getByRole('button', { name: 'Add mirror' }).click();
    await expect.poll(() => mirrors.textContent()).toContain(`any other name from ${upstream.url} (Docker Hub mode)`);
    // The listeners restarted (on a new free port here, as --addr 127.0.0.1:0 asks): the line names the real one.
    const line = (await card.locator('.command-text').textContent()) ?? '';
    const registryUrl = /"registry-mirrors": \["(http:\/\/127\.0\.0\.1:\d+)"\]/.exec(line)?.[1];
    expect(registryUrl).toBeDefined();
    await pull(registryUrl as string, 'lib/app', 'v1');
    const copy = card.getByRole('button', { name: `Copy ${line}` });
    await copy.click();
    await expect.poll(() => copy.textContent()).toBe('Copied ✓');
    await page.screenshot({ path: nodePath.join(ARTIFACTS, 'cache-settings.png') });

    await card.getByRole('button', { name: `Remove mirror ${upstream.url}` }).click();
    await expect.poll(() => mirrors.textContent()).not.toContain('Docker Hub mode');
    expect(problems).toEqual([]);
    expect(findings).toEqual([]);
  });
});
