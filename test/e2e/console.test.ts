// End to end: the built renderer in Debian's Chromium against the real headless server, images pushed with
// skopeo and imported by a real drag-and-drop.
import { mkdirSync, readFileSync } from 'node:fs';
import * as nodePath from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeDir, scratchDir } from '../support/berth.js';
import { randomLayer, writeDockerArchive } from '../support/images.js';
import { requireTool, runOk } from '../support/run.js';
import { buildRenderer, CHROMIUM_ARGS, requireChromium, startHeadless, type Headless } from './headless.js';

const ARTIFACTS = nodePath.resolve(import.meta.dirname, '..', 'artifacts', 'e2e');

let dir: string;
let server: Headless | undefined;
let browser: Browser | undefined;
let page: Page;

async function push(reference: string, layerBytes: number): Promise<void> {
  const file = nodePath.join(dir, `${reference.replace(/[/:]/g, '_')}.tar`);
  await writeDockerArchive(file, [{ repoTags: [reference], layers: [randomLayer(layerBytes)] }]);
  await runOk('skopeo', ['--insecure-policy', 'copy', '--dest-tls-verify=false', `docker-archive:${file}`, `docker://${server?.registry}/${reference}`]);
}

const shot = (name: string): Promise<Buffer> => page.screenshot({ path: nodePath.join(ARTIFACTS, `${name}.png`), fullPage: true });

/** The repository names in the list, in display order. */
const repositoryNames = (): Promise<string[]> => page.getByRole('table', { name: 'Repositories' }).locator('tbody tr td:first-child').allTextContents();

beforeAll(async () => {
  requireTool('skopeo');
  const executablePath = requireChromium();
  mkdirSync(ARTIFACTS, { recursive: true });
  dir = scratchDir('berth-e2e-');
  await buildRenderer(nodePath.join(dir, 'ui'));
  server = await startHeadless(nodePath.join(dir, 'data'), nodePath.join(dir, 'ui'));
  browser = await chromium.launch({ executablePath, headless: true, args: CHROMIUM_ARGS });
  page = await browser.newPage({ viewport: { width: 1280, height: 860 } });
  const problems: string[] = [];
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('console', (m) => {
    // A CSP violation means something was inlined into the build: that is a bug, not noise.
    if (m.type() === 'error' && /Content Security Policy/i.test(m.text())) problems.push(m.text());
  });
  (page as Page & { problems?: string[] }).problems = problems;
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
  if (dir) removeDir(dir);
});

describe('console in Chromium against the headless server', () => {
  it('opens on the onboarding screen and takes the token out of the address bar', async () => {
    await page.goto(server?.consoleUrl ?? '');
    await page.getByRole('heading', { name: 'No images yet' }).waitFor();
    expect(page.url()).not.toContain('token=');
    expect(await page.evaluate(() => sessionStorage.getItem('berth.token'))).toBe(new URL(server?.consoleUrl ?? '').searchParams.get('token'));
    await page.getByTestId('status-registry').filter({ hasText: server?.registry ?? '' }).waitFor();
    const recipe = await page.getByRole('region', { name: 'Push your first image' }).locator('code.command-text').allTextContents();
    expect(recipe).toContain(`docker push ${server?.registry}/alpine:latest`);
    await shot('01-empty');
  });

  it('shows an image pushed with skopeo without a reload', async () => {
    await page.evaluate(() => {
      (window as unknown as { marker: string }).marker = 'same page';
    });
    await push('e2e/pushed:v1', 100_000);
    await page.getByRole('link', { name: 'e2e/pushed' }).waitFor();
    // Still the same document: the list updated from the event stream, not from a navigation.
    expect(await page.evaluate(() => (window as unknown as { marker?: string }).marker)).toBe('same page');
    const row = page.getByRole('row').filter({ has: page.getByRole('link', { name: 'e2e/pushed' }) });
    expect((await row.locator('td').allTextContents()).slice(0, 2)).toEqual(['e2e/pushed', '1']);
  });

  it('searches and sorts on the server', async () => {
    await push('e2e/alpha:1', 300_000);
    await push('e2e/zeta:1', 20_000);
    await page.getByRole('link', { name: 'e2e/zeta' }).waitFor();
    await page.getByRole('link', { name: 'e2e/alpha' }).waitFor();
    expect(await repositoryNames()).toEqual(['e2e/alpha', 'e2e/pushed', 'e2e/zeta']);

    // Each expected order differs from the one before it, so a wait cannot be satisfied by the old list.
    const firstRow = (name: string): Promise<unknown> => page.waitForFunction((n) => document.querySelector('table[aria-label="Repositories"] tbody tr td')?.textContent === n, name);
    await page.getByLabel('Sort by').selectOption('size');
    await firstRow('e2e/zeta');
    expect(await repositoryNames()).toEqual(['e2e/zeta', 'e2e/pushed', 'e2e/alpha']);
    await page.getByRole('button', { name: /switch to descending/ }).click();
    await firstRow('e2e/alpha');
    expect(await repositoryNames()).toEqual(['e2e/alpha', 'e2e/pushed', 'e2e/zeta']);
    await page.getByLabel('Sort by').selectOption('name');
    await firstRow('e2e/zeta');
    expect(await repositoryNames()).toEqual(['e2e/zeta', 'e2e/pushed', 'e2e/alpha']);
    await page.getByRole('button', { name: /switch to ascending/ }).click();
    await firstRow('e2e/alpha');

    await page.keyboard.press('/');
    expect(await page.evaluate(() => document.activeElement?.getAttribute('aria-label'))).toBe('Search repositories');
    await page.keyboard.type('alp');
    await page.waitForFunction(() => document.querySelectorAll('table[aria-label="Repositories"] tbody tr').length === 1);
    expect(await repositoryNames()).toEqual(['e2e/alpha']);
    await shot('02-search');
    await page.getByRole('searchbox', { name: 'Search repositories', exact: true }).fill('');
    await page.waitForFunction(() => document.querySelectorAll('table[aria-label="Repositories"] tbody tr').length === 3);
    await shot('03-repositories');

    // The theme follows the OS: the same page in dark mode has other colours, from the same CSS file.
    const background = (): Promise<string> => page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    const light = await background();
    await page.emulateMedia({ colorScheme: 'dark' });
    expect(await background()).not.toBe(light);
    await shot('03-repositories-dark');
    await page.emulateMedia({ colorScheme: 'light' });
    expect(await background()).toBe(light);
  });

  it('shows tags, then a manifest with its layers and history', async () => {
    await page.getByRole('link', { name: 'e2e/pushed' }).click();
    const tags = page.getByRole('table', { name: 'Tags of e2e/pushed' });
    await tags.waitFor();
    const cells = await tags.locator('tbody tr').first().locator('td').allTextContents();
    expect(cells[0]).toBe('v1');
    expect(cells[1]).toMatch(/^sha256:[0-9a-f]{12}$/);
    // Tag, Digest, Size, Created, Pushed (relative: just now), Platforms.
    expect(cells[4]).toBe('now');
    expect(cells[5]).toBe('linux/amd64');
    await page.getByRole('button', { name: 'Pull commands for v1' }).click();
    expect(await page.getByRole('tabpanel').locator('code').first().textContent()).toBe(`docker pull ${server?.registry}/e2e/pushed:v1`);
    await shot('04-tags');

    await tags.getByRole('link', { name: 'v1' }).click();
    const layers = page.getByRole('table', { name: 'Layers' });
    await layers.waitFor();
    expect(await layers.locator('tbody tr').count()).toBe(1);
    // The history reads as a Dockerfile; the table of steps opens on request.
    expect(await page.getByLabel('Dockerfile').textContent()).toContain('test layer 0');
    await page.getByText('Each step').click();
    const history = await page.getByRole('table', { name: 'History' }).locator('tbody tr td:nth-child(2)').allTextContents();
    expect(history).toEqual(['test layer 0']);
    expect(await page.getByRole('list', { name: 'Environment' }).textContent()).toContain('PATH=/usr/bin:/bin');
    await shot('05-manifest');
  });

  it('deletes a tag after typing its name', async () => {
    await page.getByRole('navigation', { name: 'Breadcrumb' }).getByRole('link', { name: 'e2e/pushed' }).click();
    // Delete lives in the row's "…" menu.
    await page.getByRole('button', { name: 'Actions for v1' }).click();
    await page.getByRole('menuitem', { name: 'Delete tag…' }).click();
    const dialog = page.getByRole('dialog', { name: 'Delete tag e2e/pushed:v1?' });
    await dialog.waitFor();
    expect(await dialog.getByRole('button', { name: 'Delete tag' }).isDisabled()).toBe(true);
    await page.keyboard.type('v1');
    await shot('06-delete-dialog');
    await page.keyboard.press('Enter');
    await dialog.waitFor({ state: 'detached' });
    await page.getByText('No tags.', { exact: false }).waitFor();
    const res = await fetch(`http://${server?.registry}/v2/e2e/pushed/manifests/v1`, { headers: { accept: 'application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json' } });
    expect(res.status).toBe(404);
  });

  it('lists the manifest a deleted tag left untagged, with when gc may remove it', async () => {
    await push('e2e/untagged:v1', 50_000);
    const res = await fetch(`http://${server?.registry}/v2/e2e/untagged/manifests/v1`, { method: 'DELETE' });
    expect(res.status).toBe(202);
    await page.evaluate(() => {
      window.location.hash = '#/repo/e2e%2Funtagged';
    });
    const table = page.getByRole('table', { name: 'Untagged manifests of e2e/untagged' });
    await table.waitFor();
    const rows = table.locator('tbody tr');
    expect(await rows.count()).toBe(1);
    // Pushed moments ago: inside the one-hour grace period, so a gc keeps it until then.
    expect(await rows.first().textContent()).toContain('removable after');
    await shot('06b-untagged');
  });

  it('imports a tarball dropped on the window, with progress, and lists its tag', async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Images' }).click();
    await page.getByRole('table', { name: 'Repositories' }).waitFor();
    const file = nodePath.join(dir, 'dropped.tar');
    await writeDockerArchive(file, [{ repoTags: ['e2e/dropped:1.0'], layers: [randomLayer(2_000_000), randomLayer(500_000, 'more.bin')] }]);
    const base64 = readFileSync(file).toString('base64');

    // Record every phase and progress bar the page shows, so progress is checked however fast the import runs.
    await page.evaluate(() => {
      const seen = { phases: [] as string[], progress: 0 };
      (window as unknown as { seen: typeof seen }).seen = seen;
      new MutationObserver(() => {
        for (const el of document.querySelectorAll('[data-phase]')) {
          const phase = el.getAttribute('data-phase') ?? '';
          if (seen.phases.at(-1) !== phase) seen.phases.push(phase);
        }
        seen.progress = Math.max(seen.progress, document.querySelectorAll('li[aria-label="Import of dropped.tar"] progress').length);
      }).observe(document.body, { subtree: true, childList: true, characterData: true, attributes: true });
    });
    await page.evaluate(async (data) => {
      const bytes = Uint8Array.from(atob(data), (c) => c.charCodeAt(0));
      const transfer = new DataTransfer();
      transfer.items.add(new File([bytes], 'dropped.tar', { type: 'application/x-tar' }));
      const target = document.querySelector('main') ?? document.body;
      for (const type of ['dragenter', 'dragover', 'drop']) target.dispatchEvent(new DragEvent(type, { dataTransfer: transfer, bubbles: true, cancelable: true }));
    }, base64);

    const item = page.getByRole('listitem', { name: 'Import of dropped.tar' });
    await item.locator('[data-phase="done"]').waitFor();
    await item.getByRole('link', { name: 'e2e/dropped:1.0' }).waitFor();
    const seen = await page.evaluate(() => (window as unknown as { seen: { phases: string[]; progress: number } }).seen);
    expect(seen.progress).toBeGreaterThan(0);
    expect(seen.phases.at(-1)).toBe('done');
    expect(await item.getByRole('progressbar').evaluate((p) => [(p as HTMLProgressElement).value, (p as HTMLProgressElement).max])).toEqual([1, 1]);
    await page.getByRole('link', { name: 'e2e/dropped', exact: true }).waitFor();
    await shot('07-import');

    await item.getByRole('link', { name: 'e2e/dropped:1.0' }).click();
    const layers = page.getByRole('table', { name: 'Layers' });
    await layers.waitFor();
    expect(await layers.locator('tbody tr').count()).toBe(2);
  });

  it('shows storage usage and a garbage collection preview', async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Storage' }).click();
    await page.getByTestId('bytes-used').waitFor();
    // The deleted tag left its manifest untagged; it was pushed within the grace period, so it goes later.
    expect(Number(await page.getByTestId('untagged-count').textContent())).toBeGreaterThanOrEqual(1);
    expect(await page.getByTestId('bytes-later').textContent()).toMatch(/when the grace period ends, (at|between) /);
    expect(await page.getByRole('list', { name: 'Why the rest is kept' }).textContent()).toContain('used only by untagged manifests pushed within the grace period');
    expect(await page.getByRole('checkbox', { name: /Also delete untagged manifests/ }).isChecked()).toBe(true);
    await page.getByRole('button', { name: 'Preview (dry run)' }).click();
    const preview = page.getByRole('region', { name: 'Garbage collection preview' });
    await preview.waitFor();
    expect(await preview.textContent()).toMatch(/Would remove \d+ untagged manifests? and \d+ blobs?/);
    await shot('08-storage');
    expect((page as Page & { problems?: string[] }).problems).toEqual([]);
  });

  it('refuses a wrong token with an error page', async () => {
    const other = await browser?.newPage();
    if (!other) throw new Error('no browser');
    await other.goto(`${server?.consoleBase}/?token=not-the-token`);
    const alert = other.getByRole('alert');
    await alert.waitFor();
    expect(await alert.textContent()).toContain('This console link is not valid');
    expect(await alert.textContent()).toContain('missing or wrong console token');
    expect(await other.getByRole('navigation', { name: 'Main' }).count()).toBe(0);
    await other.screenshot({ path: nodePath.join(ARTIFACTS, '09-wrong-token.png') });
    await other.close();
  });
});
