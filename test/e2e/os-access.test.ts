// End to end: the Access page in Chromium against the headless server, with a real Secret Service and a
// scratch hosts file (BERTH_HOSTS_FILE, the documented test hook that skips the elevation prompt).
import { X509Certificate } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as nodePath from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeDir, scratchDir } from '../support/berth.js';
import { run } from '../support/run.js';
import { startSecretService, type SecretService } from '../electron/os/secret-service.js';
import { buildRenderer, CHROMIUM_ARGS, requireChromium, startHeadless, type Headless } from './headless.js';

const ARTIFACTS = nodePath.resolve(import.meta.dirname, '..', 'artifacts', 'e2e');
const HOSTNAME = 'registry.berth.test';
const HOSTS_BEFORE = '127.0.0.1 localhost\r\n# keep me\r\n10.0.0.9 nas.lan';

let dir: string;
let data: string;
let hostsFile: string;
let service: SecretService;
let server: Headless | undefined;
let browser: Browser | undefined;
let page: Page;

beforeAll(async () => {
  const executablePath = requireChromium();
  mkdirSync(ARTIFACTS, { recursive: true });
  service = await startSecretService();
  dir = scratchDir('berth-e2e-os-');
  data = nodePath.join(dir, 'data');
  mkdirSync(data, { recursive: true });
  // A chosen host name and an ephemeral proxy port, as if saved from Settings earlier.
  writeFileSync(nodePath.join(data, 'settings.json'), JSON.stringify({ hostname: HOSTNAME, proxyPort: 0 }));
  hostsFile = nodePath.join(dir, 'hosts');
  writeFileSync(hostsFile, HOSTS_BEFORE);
  await buildRenderer(nodePath.join(dir, 'ui'));
  process.env.BERTH_HOSTS_FILE = hostsFile;
  try {
    server = await startHeadless(data, nodePath.join(dir, 'ui'));
  } finally {
    delete process.env.BERTH_HOSTS_FILE;
  }
  browser = await chromium.launch({ executablePath, headless: true, args: CHROMIUM_ARGS });
  page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
  await page.goto(server.consoleUrl);
  await page.getByRole('link', { name: 'Access' }).click();
  await page.getByRole('heading', { name: 'Users' }).waitFor();
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
  await service?.stop();
  if (dir) removeDir(dir);
});

describe('Access page', () => {
  it('adds a user whose password lands in the keychain, and only its hash on disk', async () => {
    await page.getByLabel('User name').fill('e2e-alice');
    await page.getByRole('button', { name: 'Add user' }).click();
    const revealed = page.getByTestId('revealed-password');
    await revealed.waitFor();
    const password = (await revealed.textContent()) ?? '';
    expect(password).toMatch(/^[A-Za-z0-9_-]{32}$/);
    await page.getByRole('row').filter({ hasText: 'e2e-alice' }).getByText('in keychain').waitFor();
    const items = await service.search();
    expect(items).toContain('attribute.username = user:e2e-alice');
    expect(items).toContain(`secret = ${password}`);
    const htpasswd = readFileSync(nodePath.join(data, 'htpasswd'), 'utf8');
    expect(htpasswd).toMatch(/^e2e-alice:\$2[aby]\$/m);
    expect(htpasswd).not.toContain(password);

    await page.getByRole('row').filter({ hasText: 'e2e-alice' }).getByRole('button', { name: 'Rotate' }).click();
    await page.getByTestId('revealed-password').filter({ hasNotText: password }).waitFor();
    const rotated = (await page.getByTestId('revealed-password').textContent()) ?? '';
    expect(await service.search()).toContain(`secret = ${rotated}`);
    await page.screenshot({ path: nodePath.join(ARTIFACTS, 'os-01-users.png'), fullPage: true });
  });

  it('generates a certificate, shows its details, and the proxy starts with it', async () => {
    await page.getByRole('button', { name: 'Generate certificate' }).click();
    const subject = page.getByTestId('cert-subject');
    await subject.waitFor();
    expect(await subject.textContent()).toContain(`CN=${HOSTNAME}`);
    expect(await page.getByTestId('cert-sans').textContent()).toBe(`${HOSTNAME}, localhost, 127.0.0.1, ::1`);
    const onDisk = new X509Certificate(readFileSync(nodePath.join(data, 'tls', 'server.crt')));
    expect(await page.getByTestId('cert-fingerprint').textContent()).toBe(onDisk.fingerprint256);
    expect(await page.getByTestId('cert-expiry').textContent()).toBe(new Date(onDisk.validTo).toISOString().slice(0, 10));
    const verify = await run('openssl', ['verify', '-x509_strict', '-CAfile', nodePath.join(data, 'tls', 'ca.crt'), nodePath.join(data, 'tls', 'server.crt')]);
    expect(verify.code, verify.stderr).toBe(0);
    // Not installed anywhere yet: the Linux target is /etc/docker/certs.d, which the test leaves alone.
    await page.getByRole('list', { name: 'Trust' }).getByText('not trusted').waitFor();
    const deadline = Date.now() + 120_000;
    while (!/proxy listening on https:\/\/127\.0\.0\.1:\d+/.test(server?.output() ?? '')) {
      if (Date.now() > deadline) throw new Error(`the proxy did not start:\n${server?.output()}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    await page.screenshot({ path: nodePath.join(ARTIFACTS, 'os-02-certificate.png'), fullPage: true });
  });

  it('adds and removes the hosts entry, touching only Berth’s block', async () => {
    await page.getByRole('button', { name: 'Add hosts entry' }).click();
    await page.getByTestId('hosts-state').filter({ hasText: `${HOSTNAME} → 127.0.0.1` }).waitFor();
    expect(readFileSync(hostsFile, 'utf8')).toBe(`${HOSTS_BEFORE}\r\n# BEGIN berth\r\n127.0.0.1\t${HOSTNAME}\r\n# END berth`);
    await page.screenshot({ path: nodePath.join(ARTIFACTS, 'os-03-hosts.png'), fullPage: true });
    await page.getByRole('button', { name: 'Remove hosts entry' }).click();
    await page.getByTestId('hosts-state').filter({ hasText: `No Berth entry for ${HOSTNAME}` }).waitFor();
    expect(readFileSync(hostsFile, 'utf8')).toBe(HOSTS_BEFORE);
  });

  it('removes the user from the keychain and htpasswd together', async () => {
    await page.getByRole('row').filter({ hasText: 'e2e-alice' }).getByRole('button', { name: 'Remove' }).click();
    await page.getByRole('row').filter({ hasText: 'e2e-alice' }).waitFor({ state: 'detached' });
    expect(await service.search()).not.toContain('user:e2e-alice');
    expect(readFileSync(nodePath.join(data, 'htpasswd'), 'utf8')).not.toContain('e2e-alice');
  });
});
