// End to end, in Debian's Chromium against the real headless server: the Push panel and its checklist, the
// imports panel (preview, a failed row, history kept on the server across reloads until cleared), the theme
// toggle and favicon, and axe-core on every page, light and dark: no serious or critical finding.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as nodePath from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeDir, scratchDir } from '../support/berth.js';
import { randomLayer, writeDockerArchive } from '../support/images.js';
import { requireTool, runOk } from '../support/run.js';
import { buildRenderer, CHROMIUM_ARGS, requireChromium, startHeadless, type Headless } from './headless.js';

const ARTIFACTS = nodePath.resolve(import.meta.dirname, '..', 'artifacts', 'e2e');
const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

let dir: string;
let server: Headless | undefined;
let browser: Browser | undefined;
let page: Page;
const problems: string[] = [];

const shot = (name: string): Promise<Buffer> => page.screenshot({ path: nodePath.join(ARTIFACTS, `${name}.png`), fullPage: true });

async function push(reference: string, layerBytes: number): Promise<void> {
  const file = nodePath.join(dir, `${reference.replace(/[/:]/g, '_')}.tar`);
  await writeDockerArchive(file, [{ repoTags: [reference], layers: [randomLayer(layerBytes)] }]);
  await runOk('skopeo', ['--insecure-policy', 'copy', '--dest-tls-verify=false', `docker-archive:${file}`, `docker://${server?.registry}/${reference}`]);
}

/** Drops files on the window as a browser does: a DataTransfer of real bytes, dragenter/dragover/drop. */
async function drop(files: { name: string; path: string }[]): Promise<void> {
  const payload = files.map((f) => ({ name: f.name, data: readFileSync(f.path).toString('base64') }));
  await page.evaluate((list) => {
    const transfer = new DataTransfer();
    for (const f of list) transfer.items.add(new File([Uint8Array.from(atob(f.data), (c) => c.charCodeAt(0))], f.name));
    const target = document.querySelector('main') ?? document.body;
    for (const type of ['dragenter', 'dragover', 'drop']) target.dispatchEvent(new DragEvent(type, { dataTransfer: transfer, bubbles: true, cancelable: true }));
  }, payload);
}

interface AxeViolation { id: string; impact: string | null; help: string; nodes: { target: string[]; failureSummary?: string }[] }

/** Runs axe-core in the page (evaluated, not a script tag: the CSP allows no inline script) and keeps serious and critical findings. */
async function axeFindings(where: string): Promise<string[]> {
  if (!(await page.evaluate(() => 'axe' in window))) await page.evaluate(AXE_SOURCE);
  const violations = await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run(context: Document, options: object): Promise<{ violations: AxeViolation[] }> } }).axe;
    return (await axe.run(document, { resultTypes: ['violations'] })).violations;
  });
  return violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${where}: [${v.impact}] ${v.id} — ${v.help}\n${v.nodes.map((n) => `    ${n.target.join(' ')}: ${n.failureSummary ?? ''}`).join('\n')}`);
}

async function go(hash: string, ready: () => Promise<unknown>): Promise<void> {
  await page.evaluate((h) => {
    window.location.hash = h;
  }, hash);
  await ready();
}

beforeAll(async () => {
  requireTool('skopeo');
  const executablePath = requireChromium();
  mkdirSync(ARTIFACTS, { recursive: true });
  dir = scratchDir('berth-e2e-edges-');
  await buildRenderer(nodePath.join(dir, 'ui'));
  server = await startHeadless(nodePath.join(dir, 'data'), nodePath.join(dir, 'ui'));
  browser = await chromium.launch({ executablePath, headless: true, args: CHROMIUM_ARGS });
  page = await browser.newPage({ viewport: { width: 1280, height: 860 } });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error' && /Content Security Policy/i.test(m.text())) problems.push(m.text());
  });
  await page.goto(server.consoleUrl);
  await page.getByRole('heading', { name: 'No images yet' }).waitFor();
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
  if (dir) removeDir(dir);
});

describe('smooth edges in Chromium against the headless server', () => {
  it('an empty registry has no serious or critical axe finding', async () => {
    const findings = await axeFindings('empty registry');
    expect(findings, findings.join('\n')).toEqual([]);
  });

  it('opens Push an image from the top bar with both addresses and the proxy checklist, each fix leading to its Access card', async () => {
    await push('e2e/app:v1', 80_000);
    await page.getByRole('link', { name: 'e2e/app' }).waitFor();
    await page.getByRole('button', { name: 'Push an image' }).click();
    const panel = page.getByRole('dialog', { name: 'Push an image' });
    await panel.waitFor();
    const commands = await panel.locator('code.command-text').allTextContents();
    expect(commands).toContain(`docker push ${server?.registry}/alpine:latest`);
    const checklist = panel.getByRole('list', { name: 'Proxy prerequisites' });
    // Nobody has been added: the users row is missing, with its fix.
    const user = checklist.locator('[data-check="user"]');
    await user.getByText('Missing').waitFor();
    const states = await checklist.locator('li').evaluateAll((items) => items.map((li) => [li.getAttribute('data-check'), li.querySelector('strong')?.textContent]));
    expect(states.map(([id]) => id)).toEqual(['proxy', 'user', 'certificate', 'trust', 'hosts']);
    await shot('20-push-panel');
    const a11y = await axeFindings('Push panel');
    expect(a11y, a11y.join('\n')).toEqual([]);

    await user.getByRole('link', { name: 'Add a user (A user exists)' }).click();
    await panel.waitFor({ state: 'detached' });
    const heading = page.getByRole('heading', { name: 'Users', exact: true });
    await heading.waitFor();
    await page.waitForFunction(() => document.activeElement?.id === 'users-heading');
    expect(page.url()).toContain('#/access/users');
  });

  it('previews an archive, imports it from the preview, shows a failed row with its cause, and keeps history across reloads until cleared', async () => {
    await go('#/storage', () => page.getByRole('heading', { name: 'Storage', level: 1 }).waitFor());
    await page.getByRole('button', { name: 'Imports' }).click();
    const panel = page.getByRole('region', { name: 'Imports' });
    await panel.getByRole('checkbox', { name: 'Preview first (store nothing)' }).check();

    const archive = nodePath.join(dir, 'pair.tar');
    await writeDockerArchive(archive, [
      { repoTags: ['e2e/pair:1.0', 'e2e/pair:latest'], layers: [randomLayer(300_000)] },
      { repoTags: ['e2e/other:2'], layers: [randomLayer(100_000, 'x.bin')] },
    ]);
    const notes = nodePath.join(dir, 'notes.txt');
    writeFileSync(notes, 'not an image, just notes\n'.repeat(40));
    await drop([{ name: 'pair.tar', path: archive }, { name: 'notes.txt', path: notes }]);

    const pair = panel.getByRole('listitem', { name: 'Import of pair.tar' });
    await pair.getByText('Preview ready').waitFor();
    expect(await pair.getByRole('list', { name: 'Preview of pair.tar' }).locator('code').allTextContents()).toEqual(['e2e/pair:1.0', 'e2e/pair:latest', 'e2e/other:2']);
    // Nothing was stored by the preview: the registry does not know the repository.
    expect((await fetch(`http://${server?.registry}/v2/e2e/pair/tags/list`)).status).toBe(404);

    const failed = panel.getByRole('listitem', { name: 'Import of notes.txt' });
    await failed.locator('[data-phase="failed"]').waitFor();
    expect(await failed.getAttribute('class')).toContain('phase-failed');
    const cause = await failed.getByRole('alert').textContent();
    expect(cause).toMatch(/^Preview failed: /);
    // The importer names what the bytes are instead of guessing at compression.
    expect(cause).not.toContain('gunzip');
    await shot('21-import-preview');

    await panel.getByRole('checkbox', { name: 'Preview first (store nothing)' }).uncheck();
    await pair.getByRole('button', { name: 'Import pair.tar' }).click();
    const imported = panel.getByRole('listitem', { name: 'Import of pair.tar' });
    await imported.locator('[data-phase="done"]:not(:has-text("Preview"))').waitFor();
    await imported.getByRole('link', { name: 'e2e/pair:1.0' }).waitFor();

    // A reload: the server's job list brings the history back, failed row included.
    await page.reload();
    const again = page.getByRole('region', { name: 'Imports' });
    await again.getByRole('listitem', { name: 'Import of notes.txt' }).locator('[data-phase="failed"]').waitFor();
    await again.getByRole('link', { name: 'e2e/pair:1.0' }).waitFor();
    const a11y = await axeFindings('imports panel');
    expect(a11y, a11y.join('\n')).toEqual([]);

    await again.getByRole('button', { name: 'Clear finished' }).click();
    await again.waitFor({ state: 'detached' });
    await page.reload();
    await page.getByRole('heading', { name: 'Storage', level: 1 }).waitFor();
    await page.getByTestId('status-registry').waitFor();
    expect(await page.getByRole('region', { name: 'Imports' }).count()).toBe(0);
  });

  it('switches to a dark theme that survives a reload, and serves its SVG favicon', async () => {
    await go('#/', () => page.getByRole('table', { name: 'Repositories' }).waitFor());
    const background = (): Promise<string> => page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    const light = await background();
    await page.getByRole('combobox', { name: 'Theme' }).selectOption('dark');
    expect(await page.evaluate(() => document.documentElement.dataset.theme)).toBe('dark');
    const dark = await background();
    expect(dark).not.toBe(light);
    await page.reload();
    await page.getByRole('table', { name: 'Repositories' }).waitFor();
    expect(await page.evaluate(() => document.documentElement.dataset.theme)).toBe('dark');
    expect(await background()).toBe(dark);
    expect(await page.getByRole('combobox', { name: 'Theme' }).inputValue()).toBe('dark');
    await shot('22-dark');

    const href = await page.locator('link[rel="icon"]').getAttribute('href');
    const icon = await page.evaluate(async (h) => {
      const res = await fetch(new URL(h ?? '', document.baseURI));
      return { status: res.status, type: res.headers.get('content-type'), body: await res.text() };
    }, href);
    expect(icon).toMatchObject({ status: 200, type: 'image/svg+xml' });
    expect(icon.body).toContain('<svg');
    await page.getByRole('combobox', { name: 'Theme' }).selectOption('light');
  });

  it('has no serious or critical axe finding on any page, light and dark', async () => {
    const manifest = await fetch(`http://${server?.registry}/v2/e2e/app/manifests/v1`, {
      headers: { Accept: 'application/vnd.docker.distribution.manifest.v2+json, application/vnd.oci.image.manifest.v1+json' },
    });
    const layer = ((await manifest.json()) as { layers: { digest: string }[] }).layers[0]?.digest ?? '';
    const pages: [string, string, () => Promise<unknown>][] = [
      ['repositories', '#/', () => page.getByRole('table', { name: 'Repositories' }).waitFor()],
      ['repository', '#/repo/e2e%2Fapp', () => page.getByRole('table', { name: 'Tags of e2e/app' }).waitFor()],
      ['manifest', '#/repo/e2e%2Fapp/manifest/v1', () => page.getByRole('table', { name: 'Layers' }).waitFor()],
      ['image files', '#/repo/e2e%2Fapp/manifest/v1/files', () => page.getByRole('table', { name: 'Layer changes' }).waitFor()],
      ['layer', `#/repo/e2e%2Fapp/manifest/v1/layer/${encodeURIComponent(layer)}`, () => page.getByRole('table', { name: 'Files' }).waitFor()],
      ['storage', '#/storage', () => page.getByRole('heading', { name: 'Storage', level: 1 }).waitFor()],
      ['access', '#/access', () => page.getByRole('heading', { name: 'Hosts entry' }).waitFor()],
      ['settings', '#/settings', () => page.getByRole('heading', { name: 'Settings', level: 1 }).waitFor()],
    ];
    const findings: string[] = [];
    for (const theme of ['light', 'dark']) {
      await page.getByRole('combobox', { name: 'Theme' }).selectOption(theme);
      for (const [name, hash, ready] of pages) {
        await go(hash, ready);
        // Lists fill in after their first answer: check the settled page.
        await page.waitForFunction(() => !document.querySelector('[aria-busy="true"]'));
        findings.push(...(await axeFindings(`${name} (${theme})`)));
      }
      // The row menu, opened from the keyboard: its items are checked too, and Escape gives focus back.
      await go('#/repo/e2e%2Fapp', () => page.getByRole('table', { name: 'Tags of e2e/app' }).waitFor());
      await page.getByRole('button', { name: 'Actions for v1' }).focus();
      await page.keyboard.press('ArrowDown');
      await page.getByRole('menu', { name: 'Actions for v1' }).waitFor();
      await page.waitForFunction(() => document.activeElement?.getAttribute('role') === 'menuitem');
      findings.push(...(await axeFindings(`row menu (${theme})`)));
      await page.keyboard.press('Escape');
      await page.getByRole('menu').waitFor({ state: 'detached' });
      expect(await page.evaluate(() => document.activeElement?.getAttribute('aria-label'))).toBe('Actions for v1');
    }
    // The skip link is Tab's first stop and lands on the page content.
    await page.reload();
    await page.getByRole('table', { name: 'Tags of e2e/app' }).waitFor();
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Skip to content');
    await page.keyboard.press('Enter');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('main-content');
    expect(page.url()).toContain('#/repo/e2e%2Fapp');
    expect(findings, findings.join('\n')).toEqual([]);
    expect(problems).toEqual([]);
  });
});
