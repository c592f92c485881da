// End to end, in Debian's Chromium against the real headless server and real skopeo pushes: the Storage page's
// usage per repository (a layer shared by two repositories counted apart), a cleanup rule edited, dry-run,
// saved and run, the run in the history; a Shift-click range of tags deleted in bulk; no serious or critical
// axe-core finding on either page.
import { mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as nodePath from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeDir, scratchDir } from '../support/berth.js';
import { randomLayer, writeDockerArchive, type TestLayer } from '../support/images.js';
import { requireTool, runOk } from '../support/run.js';
import { buildRenderer, CHROMIUM_ARGS, requireChromium, startHeadless, type Headless } from './headless.js';

const ARTIFACTS = nodePath.resolve(import.meta.dirname, '..', 'artifacts', 'e2e');
const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

let dir: string;
let server: Headless | undefined;
let browser: Browser | undefined;
let page: Page;

async function push(reference: string, layers: TestLayer[]): Promise<void> {
  const file = nodePath.join(dir, `${reference.replace(/[/:]/g, '_')}.tar`);
  await writeDockerArchive(file, [{ repoTags: [reference], layers }]);
  await runOk('skopeo', ['--insecure-policy', 'copy', '--dest-tls-verify=false', `docker-archive:${file}`, `docker://${server?.registry}/${reference}`]);
}

async function axeFindings(): Promise<string[]> {
  if (!(await page.evaluate(() => 'axe' in window))) await page.evaluate(AXE_SOURCE);
  const violations = await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run(context: Document, options: object): Promise<{ violations: { id: string; impact: string | null; help: string }[] }> } }).axe;
    return (await axe.run(document, { resultTypes: ['violations'] })).violations;
  });
  return violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `[${v.impact}] ${v.id} — ${v.help}`);
}

beforeAll(async () => {
  requireTool('skopeo');
  const executablePath = requireChromium();
  mkdirSync(ARTIFACTS, { recursive: true });
  dir = scratchDir('berth-e2e-cleanup-');
  await buildRenderer(nodePath.join(dir, 'ui'));
  server = await startHeadless(nodePath.join(dir, 'data'), nodePath.join(dir, 'ui'));
  const base = randomLayer(400_000, 'base.bin');
  await push('e2e/web:pr-1', [base, randomLayer(200_000, 'pr.bin')]);
  await push('e2e/web:latest', [base, randomLayer(100_000, 'web.bin')]);
  await push('e2e/api:v1', [base]);
  for (const n of [1, 2, 3, 4]) await push(`e2e/bulk:${n}`, [randomLayer(50_000 * n, `b${n}.bin`)]);
  browser = await chromium.launch({ executablePath, headless: true, args: CHROMIUM_ARGS });
  page = await browser.newPage({ viewport: { width: 1280, height: 860 } });
  await page.goto(server.consoleUrl);
  await page.evaluate(() => {
    window.location.hash = '#/storage';
  });
  await page.getByRole('heading', { name: 'Storage', level: 1 }).waitFor();
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
  if (dir) removeDir(dir);
});

describe('keeping the registry tidy in Chromium against the headless server', () => {
  it('shows usage per repository with the shared base layer apart', async () => {
    const usage = page.getByRole('table', { name: 'Usage per repository' });
    await usage.waitFor();
    const rows = await usage.locator('tbody tr').evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent)));
    expect(rows.map((r) => r[0]).sort()).toEqual(['e2e/api', 'e2e/bulk', 'e2e/web']);
    const web = rows.find((r) => r[0] === 'e2e/web');
    const api = rows.find((r) => r[0] === 'e2e/api');
    // The base layer (about 400 kB in the tar) is shared: it is in both "shared" cells, and e2e/api owns little.
    expect(web?.[3]).toBe(api?.[3]);
    expect(web?.[3]).toMatch(/kB$/);
    expect(api?.[2]).not.toBe(api?.[1]);
  });

  it('adds a rule, dry-runs it, saves it and runs it; the run is in the history; no serious axe finding', async () => {
    await page.getByRole('button', { name: 'Add rule' }).click();
    const rule = page.getByRole('group', { name: 'Rule rule-1' });
    await rule.getByLabel('Only tags matching').fill('pr-*');
    await rule.getByLabel('Keep the newest').fill('');
    await page.getByRole('button', { name: 'Dry run', exact: true }).click();
    const plan = page.getByRole('table', { name: 'What the cleanup rules remove' });
    await plan.waitFor();
    const cells = await plan.locator('tbody tr').evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent)));
    expect(cells.map((c) => [c[0], c[1], c[4]])).toEqual([['e2e/web', 'pr-1', 'rule-1']]);
    expect(cells[0]?.[5]).toMatch(/kB$/);
    await page.getByRole('button', { name: 'Save rules' }).click();
    await page.getByRole('status').filter({ hasText: 'Cleanup rules saved.' }).waitFor();
    await page.screenshot({ path: nodePath.join(ARTIFACTS, '40-storage-cleanup.png'), fullPage: true });
    const findings = await axeFindings();
    expect(findings, findings.join('\n')).toEqual([]);

    const runNow = page.getByRole('button', { name: 'Run now: 1 to remove…' });
    await expect.poll(() => runNow.isEnabled()).toBe(true);
    await runNow.click();
    const dialog = page.getByRole('dialog', { name: 'Run the cleanup rules now?' });
    await dialog.getByLabel(/to confirm/).fill('cleanup');
    await dialog.getByRole('button', { name: 'Run cleanup' }).click();
    await page.getByText(/Cleanup removed 1 tags/).waitFor();

    const history = page.getByRole('table', { name: 'Garbage collection and cleanup runs' });
    await history.getByRole('cell', { name: 'Cleanup rules' }).first().waitFor();
    const firstRun = await history.locator('tbody tr').first().locator('td').allTextContents();
    expect(firstRun.slice(1, 4)).toEqual(['Cleanup rules', 'console', '1 tags, 0 manifests, 0 blobs']);
    await page.evaluate(() => {
      window.location.hash = '#/repo/e2e%2Fweb';
    });
    await page.getByRole('link', { name: 'latest', exact: true }).first().waitFor();
    expect(await page.getByRole('link', { name: 'pr-1', exact: true }).count()).toBe(0);
  });

  it('ticks a range of tags with Shift-click and deletes them with one confirmation listing each and the space it frees', async () => {
    await page.evaluate(() => {
      window.location.hash = '#/repo/e2e%2Fbulk';
    });
    const table = page.getByRole('table', { name: 'Tags of e2e/bulk' });
    await table.waitFor();
    const boxes = table.getByRole('checkbox', { name: /^Select (?!every)/ });
    const order = await boxes.evaluateAll((els) => els.map((e) => e.getAttribute('aria-label')?.replace(/^Select /, '')));
    expect(order).toHaveLength(4);
    await boxes.nth(0).click();
    await boxes.nth(2).click({ modifiers: ['Shift'] });
    const bar = page.getByRole('region', { name: 'Selected tags' });
    await bar.getByText('3 selected').waitFor();
    await bar.getByRole('button', { name: 'Delete 3 tags…' }).click();
    const dialog = page.getByRole('dialog', { name: 'Delete 3 tags of e2e/bulk?' });
    await dialog.waitFor();
    const listed = await dialog.getByRole('listitem').allTextContents();
    expect(listed.map((l) => l.split(' ')[0]).sort()).toEqual(order.slice(0, 3).sort());
    for (const line of listed) expect(line).toMatch(/kB$/);
    expect(await dialog.textContent()).toMatch(/Frees [\d.]+ kB once a garbage collection runs/);
    const findings = await axeFindings();
    expect(findings, findings.join('\n')).toEqual([]);
    await page.screenshot({ path: nodePath.join(ARTIFACTS, '41-bulk-delete.png') });
    await dialog.getByLabel(/to confirm/).fill('delete');
    await dialog.getByRole('button', { name: 'Delete 3 tags' }).click();
    await page.getByText(/Deleted 3 tags/).waitFor();
    await expect.poll(() => table.getByRole('checkbox', { name: /^Select (?!every)/ }).count()).toBe(1);
    expect(await table.getByRole('link', { name: order[3] as string, exact: true }).count()).toBe(1);
  });
});
