// docker-credential-berth with the real docker CLI and engine, the TLS proxy, and a real Secret Service.
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as nodePath from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerCredentialHelper, unregisterCredentialHelper } from '../../electron/os/docker/docker-config.js';
import { removeDir, scratchDir } from '../support/berth.js';
import { startDockerd, type Dockerd } from '../support/dockerd.js';
import { randomLayer, writeDockerArchive } from '../support/images.js';
import { requireTool, run } from '../support/run.js';
import { startProxiedBerth, type ProxiedBerth } from './proxy-support.js';
import { startSecretService, type SecretService } from '../electron/os/secret-service.js';

const HOST = 'registry.berth.test';
const HELPER_DIR = nodePath.resolve(import.meta.dirname, '..', '..', 'electron', 'os', 'docker');
const HELPER = nodePath.join(HELPER_DIR, 'docker-credential-berth');

let service: SecretService;
let proxied: ProxiedBerth;
let dockerd: Dockerd;
let work: string;
let registry: string;
let helperEnv: NodeJS.ProcessEnv;

const helper = (action: string, input?: string): ReturnType<typeof run> => run(HELPER, [action], { env: helperEnv, ...(input !== undefined ? { input } : {}) });

beforeAll(async () => {
  requireTool('unshare');
  service = await startSecretService();
  helperEnv = { ...service.env, PATH: `${HELPER_DIR}:${nodePath.dirname(process.execPath)}:${process.env.PATH ?? ''}` };
  proxied = await startProxiedBerth(HOST, { alice: 'alice-password-7' });
  registry = `${HOST}:${proxied.proxyPort}`;
  work = scratchDir('berth-credh-');
  const hosts = nodePath.join(work, 'hosts');
  writeFileSync(hosts, `${readFileSync('/etc/hosts', 'utf8')}\n127.0.0.1 ${HOST}\n`);
  const etcDocker = nodePath.join(work, 'etc-docker');
  mkdirSync(nodePath.join(etcDocker, 'certs.d', registry), { recursive: true });
  copyFileSync(proxied.caFile, nodePath.join(etcDocker, 'certs.d', registry, 'ca.crt'));
  dockerd = await startDockerd({
    wrap: (argv) => ['unshare', '-m', '--propagation', 'private', 'sh', '-c', `mount --bind "${hosts}" /etc/hosts && mount --bind "${etcDocker}" /etc/docker && exec "$@"`, 'sh', ...argv],
  });
});

afterAll(async () => {
  await dockerd?.stop();
  await proxied?.berth.stop();
  if (proxied) removeDir(proxied.dir);
  await service?.stop();
  if (work) removeDir(work);
});

describe('docker-credential-berth protocol', () => {
  it('stores, gets, lists and erases; a miss says "credentials not found in native keychain"', async () => {
    const miss = await helper('get', 'nowhere.test:5443\n');
    expect(miss.code).toBe(1);
    expect(miss.stdout.trim()).toBe('credentials not found in native keychain');
    expect((await helper('store', JSON.stringify({ ServerURL: 'https://proto.test:5443', Username: 'bob', Secret: 's3cr3t:with:colons' }))).code).toBe(0);
    const got = await helper('get', 'proto.test:5443\n');
    expect(got.code, got.stdout).toBe(0);
    expect(JSON.parse(got.stdout)).toEqual({ ServerURL: 'proto.test:5443', Username: 'bob', Secret: 's3cr3t:with:colons' });
    expect(JSON.parse((await helper('list')).stdout)).toMatchObject({ 'proto.test:5443': 'bob' });
    expect(await service.search()).toContain('attribute.username = docker:proto.test:5443');
    expect((await helper('erase', 'proto.test:5443')).code).toBe(0);
    const erased = await helper('erase', 'proto.test:5443');
    expect([erased.code, erased.stdout.trim()]).toEqual([1, 'credentials not found in native keychain']);
  });
});

describe('registerCredentialHelper', () => {
  it("adds credHelpers for Berth's hosts only, keeps every other entry, backs up, and unregisters", async () => {
    const file = nodePath.join(work, 'cfg', 'config.json');
    mkdirSync(nodePath.dirname(file), { recursive: true });
    const original = { auths: { 'other.example:5000': { auth: 'b3RoZXI6eA==' }, [registry]: { auth: 'YWxpY2U6b2xk' } }, credHelpers: { 'gcr.io': 'gcloud' }, psFormat: 'table {{.ID}}', proxies: { default: { httpProxy: 'http://p:3128' } } };
    writeFileSync(file, JSON.stringify(original));
    expect(await registerCredentialHelper(file, [registry])).toBe(true);
    const after = JSON.parse(readFileSync(file, 'utf8'));
    expect(after).toEqual({ auths: { 'other.example:5000': { auth: 'b3RoZXI6eA==' } }, credHelpers: { 'gcr.io': 'gcloud', [registry]: 'berth' }, psFormat: 'table {{.ID}}', proxies: { default: { httpProxy: 'http://p:3128' } } });
    expect(JSON.parse(readFileSync(`${file}.berth-backup`, 'utf8'))).toEqual(original);
    expect(await registerCredentialHelper(file, [registry])).toBe(false);
    expect(await unregisterCredentialHelper(file, [registry])).toBe(true);
    expect(JSON.parse(readFileSync(file, 'utf8')).credHelpers).toEqual({ 'gcr.io': 'gcloud' });
  });
});

describe('docker login/push/logout through the helper', () => {
  it('keeps the password in the keychain, never in config.json', async () => {
    const configFile = nodePath.join(dockerd.dir, 'client', 'config.json');
    await registerCredentialHelper(configFile, [registry]);
    const env = { PATH: helperEnv.PATH, DBUS_SESSION_BUS_ADDRESS: service.env.DBUS_SESSION_BUS_ADDRESS, XDG_RUNTIME_DIR: service.env.XDG_RUNTIME_DIR };

    const login = await dockerd.docker(['login', registry, '-u', 'alice', '--password-stdin'], { input: 'alice-password-7\n', env });
    expect(login.stdout + login.stderr).toMatch(/Login Succeeded/);
    expect(await service.search()).toContain(`attribute.username = docker:${registry}`);
    expect(await service.search()).toContain('secret = alice:alice-password-7');
    const config = readFileSync(configFile, 'utf8');
    expect(config).not.toContain('alice-password-7');
    expect(config).not.toMatch(/"(auth|password|identitytoken)"\s*:/i);
    expect(JSON.parse(config).credHelpers).toEqual({ [registry]: 'berth' });

    const archive = nodePath.join(work, 'img.tar');
    await writeDockerArchive(archive, [{ repoTags: ['helper/test:1'], layers: [randomLayer(300_000)] }]);
    expect((await dockerd.docker(['load', '-i', archive])).code).toBe(0);
    expect((await dockerd.docker(['tag', 'helper/test:1', `${registry}/helper/test:1`])).code).toBe(0);
    const push = await dockerd.docker(['push', `${registry}/helper/test:1`], { env });
    expect(push.code, push.stderr).toBe(0);

    const logout = await dockerd.docker(['logout', registry], { env });
    expect(logout.code, logout.stderr).toBe(0);
    expect(await service.search()).not.toContain(`docker:${registry}`);
    const again = await dockerd.docker(['push', `${registry}/helper/test:1`], { env });
    expect(again.code).not.toBe(0);
  });
});
