// End to end: an image pushed with skopeo (two layers, one deleting a file of the other), explored in
// Debian's Chromium through the headless server: the layers, the largest files, a path search, a layer's folders.
import { createHash } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import * as nodePath from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeDir, scratchDir } from '../support/berth.js';
import { writeDockerArchive } from '../support/images.js';
import { requireTool, runOk } from '../support/run.js';
import { buildRenderer, CHROMIUM_ARGS, requireChromium, startHeadless, type Headless } from './headless.js';

/**
 * Pictures for docs/console.md (the layer explorer): a test run writes them under test/artifacts, so running the
 * tests leaves the checkout clean; BERTH_UPDATE_DOCS_SCREENSHOTS=1 writes them into docs/screenshots instead.
 */
const SCREENSHOTS = process.env.BERTH_UPDATE_DOCS_SCREENSHOTS === '1'
  ? nodePath.resolve(import.meta.dirname, '..', '..', 'docs', 'screenshots')
  : nodePath.resolve(import.meta.dirname, '..', 'artifacts', 'e2e');

let dir: string;
let server: Headless | undefined;
let browser: Browser | undefined;
let page: Page;
const problems: string[] = [];

const cells = (table: string): Promise<string[][]> =>
  page.getByRole('table', { name: table }).locator('tbody tr').evaluateAll((rows) => rows.map((r) => Array.from(r.querySelectorAll('td'), (td) => (td.textContent ?? '').trim())));

beforeAll(async () => {
  requireTool('skopeo');
  const executablePath = requireChromium();
  mkdirSync(SCREENSHOTS, { recursive: true });
  dir = scratchDir('berth-e2e-layers-');
  await buildRenderer(nodePath.join(dir, 'ui'));
  server = await startHeadless(nodePath.join(dir, 'data'), nodePath.join(dir, 'ui'));
  const archive = nodePath.join(dir, 'tools.tar');
  await writeDockerArchive(archive, [{
    repoTags: ['team/tools:1.0'],
    layers: [
      { files: { 'etc/os-release': Buffer.from('ID=berth\n'), 'etc/old.conf': Buffer.from('old'), 'usr/lib/libexample.so.1': Buffer.alloc(300_000, 1), 'usr/share/doc/readme': Buffer.from('hello') } },
      { files: { 'etc/.wh.old.conf': Buffer.alloc(0), 'etc/os-release': Buffer.from('ID=berth\nVERSION=2\n'), 'opt/app/data.bin': Buffer.alloc(1_200_000, 2) } },
    ],
  }]);
  await runOk('skopeo', ['--insecure-policy', 'copy', '--dest-tls-verify=false', `docker-archive:${archive}`, `docker://${server.registry}/team/tools:1.0`]);
  browser = await chromium.launch({ executablePath, headless: true, args: CHROMIUM_ARGS });
  page = await browser.newPage({ viewport: { width: 1280, height: 860 } });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
}, 240_000);

afterAll(async () => {
  await browser?.close();
  await server?.stop();
  if (dir) removeDir(dir);
});

describe('layer explorer in Chromium', () => {
  it('shows what each layer does, the largest files and which layer put a path there', async () => {
    await page.goto(`${server?.consoleUrl}#/repo/team%2Ftools/manifest/1.0`);
    await page.getByRole('link', { name: 'Explore files' }).click();
    await page.getByRole('table', { name: 'Layer changes' }).waitFor();
    const layers = await cells('Layer changes');
    expect(layers.map((r) => r.slice(3))).toEqual([
      ['4 (300 kB)', '4', '0', '0'],
      ['2 (1.2 MB)', '1', '1', '1'],
    ]);
    expect(await cells('Largest files')).toEqual([
      ['/opt/app/data.bin', '1.2 MB', '#2'],
      ['/usr/lib/libexample.so.1', '300 kB', '#1'],
      ['/etc/os-release', '19 B', '#2'],
      ['/usr/share/doc/readme', '5 B', '#1'],
    ]);
    await page.getByLabel('Which layer put it there?').fill('libexample');
    await page.getByRole('button', { name: 'Search' }).click();
    await page.getByRole('table', { name: 'Search results' }).waitFor();
    expect(await cells('Search results')).toEqual([['/usr/lib/libexample.so.1', '#1', 'added', 'file', '300 kB']]);
    await page.screenshot({ path: nodePath.join(SCREENSHOTS, 'image-files.png') });
    expect(problems).toEqual([]);
  });

  it('browses a layer: folders, modes, the whiteout it adds and what it changes', async () => {
    await page.getByRole('table', { name: 'Layer changes' }).locator('tbody tr').nth(1).getByRole('link').click();
    await page.getByRole('table', { name: 'Files' }).waitFor();
    expect(await cells('Files')).toEqual([
      ['etc/', 'd---------', '19 B', '', ''],
      ['opt/', 'd---------', '1.2 MB', '', ''],
    ]);
    await page.getByRole('button', { name: 'etc/' }).click();
    await page.getByRole('cell', { name: 'old.conf (whiteout)' }).waitFor();
    expect(await cells('Files')).toEqual([
      ['old.conf (whiteout)', '', '−3 B', '', 'deleted'],
      ['os-release', '-rwxr-xr-x', '19 B', '', 'changed'],
    ]);
    expect(await page.getByLabel('Layer changes').textContent()).toContain('1 deleted');
    await page.screenshot({ path: nodePath.join(SCREENSHOTS, 'layer-files.png') });
    expect(problems).toEqual([]);
  });

  it('shows the tag table with a Pushed column, and an SBOM pushed for the image as an artifact with its subject and no docker pull', async () => {
    const registry = `http://${server?.registry}`;
    const putBlob = async (body: Buffer): Promise<string> => {
      const digest = `sha256:${createHash('sha256').update(body).digest('hex')}`;
      const response = await fetch(`${registry}/v2/team/tools/blobs/uploads/?digest=${digest}`, { method: 'POST', body: new Uint8Array(body), headers: { 'content-type': 'application/octet-stream' } });
      expect(response.status).toBe(201);
      return digest;
    };
    const subject = await fetch(`${registry}/v2/team/tools/manifests/1.0`, { method: 'HEAD', headers: { accept: 'application/vnd.docker.distribution.manifest.v2+json, application/vnd.oci.image.manifest.v1+json' } });
    const subjectDigest = subject.headers.get('docker-content-digest') ?? '';
    const sbom = Buffer.from('{"spdxVersion":"SPDX-2.3","name":"tools"}');
    const manifest = JSON.stringify({
      schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json', artifactType: 'application/spdx+json',
      config: { mediaType: 'application/vnd.oci.empty.v1+json', digest: await putBlob(Buffer.from('{}')), size: 2 },
      layers: [{ mediaType: 'application/spdx+json', digest: await putBlob(sbom), size: sbom.byteLength, annotations: { 'org.opencontainers.image.title': 'sbom.spdx.json' } }],
      subject: { mediaType: subject.headers.get('content-type'), digest: subjectDigest, size: Number(subject.headers.get('content-length')) },
    });
    const put = await fetch(`${registry}/v2/team/tools/manifests/sbom`, { method: 'PUT', body: manifest, headers: { 'content-type': 'application/vnd.oci.image.manifest.v1+json' } });
    expect(put.status).toBe(201);

    await page.goto(`${server?.consoleUrl}#/repo/team%2Ftools`);
    const table = page.getByRole('table', { name: 'Tags of team/tools' });
    await table.getByRole('link', { name: 'sbom' }).waitFor();
    const headers = (await table.locator('thead th').allTextContents()).map((h) => h.trim());
    expect(headers.slice(headers.indexOf('Created'), headers.indexOf('Created') + 3)).toEqual(['Created', 'Pushed', 'Platforms']);
    expect(await table.locator('tbody tr time').first().getAttribute('title')).toMatch(/\d/);

    // The image the SBOM is about carries its badge in the tag list.
    expect(await table.locator('tbody tr', { has: page.getByRole('link', { name: '1.0', exact: true }) }).locator('.badge').allTextContents()).toEqual(['SBOM']);
    await table.getByRole('link', { name: 'sbom' }).click();
    await page.getByRole('table', { name: 'Files' }).waitFor();
    expect(await page.getByRole('table', { name: 'Files' }).locator('tbody tr td').nth(1).textContent()).toBe('sbom.spdx.json');
    expect(await page.locator('dl.facts dt', { hasText: 'Artifact type' }).locator('xpath=following-sibling::dd[1]').textContent()).toBe('application/spdx+json');
    await page.locator('dl.facts dd a', { hasText: subjectDigest.slice(0, 19) }).waitFor();
    expect(await page.getByRole('heading', { name: 'Pull' }).count()).toBe(0);
    expect(problems).toEqual([]);
  });

  it('searches every repository and tag from the top bar', async () => {
    await page.getByRole('searchbox', { name: 'Search repositories and tags' }).fill('tools');
    await page.getByRole('searchbox', { name: 'Search repositories and tags' }).press('Enter');
    await page.getByRole('table', { name: 'Matching tags' }).waitFor();
    expect(await page.getByRole('list', { name: 'Matching repositories' }).getByRole('link').allTextContents()).toEqual(['team/tools']);
    expect((await page.getByRole('table', { name: 'Matching tags' }).getByRole('link').allTextContents()).sort()).toEqual(['team/tools:1.0', 'team/tools:sbom']);
    expect(problems).toEqual([]);
  });
});
