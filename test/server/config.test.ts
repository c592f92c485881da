import { writeFileSync } from 'node:fs';
import * as nodePath from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, resolveConfig, type ConfigLayer } from '../../server/config.js';
import { removeDir, scratchDir } from '../support/berth.js';
import { run } from '../support/run.js';

let dir: string;
beforeAll(() => {
  dir = scratchDir('berth-config-');
});
afterAll(() => removeDir(dir));

let fileCount = 0;
function yamlFile(text: string): string {
  const file = nodePath.join(dir, `config-${++fileCount}.yml`);
  writeFileSync(file, text);
  return file;
}

/** Runs resolveConfig and returns the ConfigError it throws (failing the test if it does not). */
function configError(input: Parameters<typeof resolveConfig>[0]): ConfigError {
  try {
    resolveConfig(input);
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('defaults < file < environment < flags', () => {
  it('defaults', () => {
    const config = resolveConfig({ env: { XDG_DATA_HOME: '/data/home' } });
    expect(config.addr).toEqual({ host: '127.0.0.1', port: 5000 });
    expect(config.workers).toBe(1);
    expect(config.v1.enabled).toBe(true);
    expect(config.storage).toEqual({ flavor: 'local', path: '/data/home/berth' });
    expect(config.gc).toEqual({ blobGraceSeconds: 3600, uploadMaxAgeSeconds: 86400 });
    expect(config.proxy).toBeUndefined();
  });

  it('the file overrides defaults', () => {
    const file = yamlFile('addr: 0.0.0.0:7000\nworkers: 3\nstorage:\n  path: /srv/berth\nv1:\n  enabled: false\ngc:\n  blob_grace_seconds: 60\n');
    const config = resolveConfig({ file, env: {} });
    expect(config.addr).toEqual({ host: '0.0.0.0', port: 7000 });
    expect(config.workers).toBe(3);
    expect(config.storage.path).toBe('/srv/berth');
    expect(config.v1.enabled).toBe(false);
    expect(config.gc).toEqual({ blobGraceSeconds: 60, uploadMaxAgeSeconds: 86400 });
  });

  it('the environment overrides the file, key by key', () => {
    const file = yamlFile('addr: 0.0.0.0:7000\nworkers: 3\nstorage:\n  path: /srv/berth\n');
    const config = resolveConfig({ file, env: { REGISTRY_WORKERS: '5', STORAGE_PATH: '/env/path' } });
    expect(config.workers).toBe(5);
    expect(config.storage.path).toBe('/env/path');
    expect(config.addr).toEqual({ host: '0.0.0.0', port: 7000 });
  });

  it('REGISTRY_PORT alone keeps the host from the file', () => {
    const file = yamlFile('addr: 0.0.0.0:7000\n');
    expect(resolveConfig({ file, env: { REGISTRY_PORT: '6000' } }).addr).toEqual({ host: '0.0.0.0', port: 6000 });
  });

  it('flags override the environment', () => {
    const flags: ConfigLayer = { workers: '7', addr: '127.0.0.1:9000', storage: { path: '/flag/path' } };
    const config = resolveConfig({ env: { REGISTRY_WORKERS: '2', REGISTRY_ADDRESS: '0.0.0.0', REGISTRY_PORT: '6000', STORAGE_PATH: '/env' }, flags });
    expect(config.workers).toBe(7);
    expect(config.addr).toEqual({ host: '127.0.0.1', port: 9000 });
    expect(config.storage.path).toBe('/flag/path');
  });
});

describe('classic environment names', () => {
  const rows: { env: Record<string, string>; check: (c: ReturnType<typeof resolveConfig>) => unknown; expected: unknown }[] = [
    { env: { REGISTRY_ADDRESS: '0.0.0.0', REGISTRY_PORT: '5001' }, check: (c) => c.addr, expected: { host: '0.0.0.0', port: 5001 } },
    { env: { REGISTRY_ADDRESS: '10.1.2.3' }, check: (c) => c.addr, expected: { host: '10.1.2.3', port: 5000 } },
    { env: { REGISTRY_PORT: '5002' }, check: (c) => c.addr, expected: { host: '127.0.0.1', port: 5002 } },
    { env: { REGISTRY_ADDRESS: '::1', REGISTRY_PORT: '5003' }, check: (c) => c.addr, expected: { host: '::1', port: 5003 } },
    { env: { SETTINGS_FLAVOR: 'local' }, check: (c) => c.storage.flavor, expected: 'local' },
    { env: { STORAGE_PATH: '/var/lib/registry' }, check: (c) => c.storage.path, expected: '/var/lib/registry' },
    { env: { GUNICORN_WORKERS: '4' }, check: (c) => c.workers, expected: 4 },
    { env: { REGISTRY_WORKERS: '6' }, check: (c) => c.workers, expected: 6 },
    { env: { GUNICORN_WORKERS: '4', REGISTRY_WORKERS: '2' }, check: (c) => c.workers, expected: 2 },
    { env: { BERTH_V1: 'off' }, check: (c) => c.v1.enabled, expected: false },
  ];
  it.each(rows)('$env', ({ env, check, expected }) => {
    expect(check(resolveConfig({ env }))).toEqual(expected);
  });

  it('DOCKER_REGISTRY_CONFIG names the YAML file', () => {
    const file = yamlFile('workers: 9\n');
    expect(resolveConfig({ env: { DOCKER_REGISTRY_CONFIG: file } }).workers).toBe(9);
  });
});

describe('bad values name the key and what it accepts', () => {
  const rows: { what: string; input: Parameters<typeof resolveConfig>[0]; key: string; says: RegExp }[] = [
    { what: 'workers abc', input: { env: {}, flags: { workers: 'abc' } }, key: 'workers', says: /integer from 1 to 64.*"abc"/ },
    { what: 'workers 0', input: { env: { REGISTRY_WORKERS: '0' } }, key: 'workers', says: /integer from 1 to 64/ },
    { what: 'workers 65', input: { env: { GUNICORN_WORKERS: '65' } }, key: 'workers', says: /integer from 1 to 64/ },
    { what: 'flavor', input: { env: { SETTINGS_FLAVOR: 'floppy' } }, key: 'storage.flavor', says: /"floppy".*accepted: .*local/ },
    { what: 'port out of range', input: { env: { REGISTRY_PORT: '99999' } }, key: 'addr', says: /HOST:PORT/ },
    { what: 'port not a number', input: { env: {}, flags: { addr: 'localhost:http' } }, key: 'addr', says: /HOST:PORT/ },
    { what: 'v1 flag', input: { env: { BERTH_V1: 'maybe' } }, key: 'v1.enabled', says: /true or false.*"maybe"/ },
    { what: 'gc grace', input: { env: {}, flags: { gc: { blob_grace_seconds: '-1' } } }, key: 'gc.blob_grace_seconds', says: /integer from 0/ },
    { what: 'proxy without certificate', input: { env: {}, flags: { proxy: { addr: '127.0.0.1:5443' } } }, key: 'proxy.tls_cert', says: /required/ },
  ];
  it.each(rows)('$what → $key', ({ input, key, says }) => {
    const err = configError(input);
    expect(err.key).toBe(key);
    expect(err.message.startsWith(`${key}: `)).toBe(true);
    expect(err.message).toMatch(says);
  });

  it('an unknown top-level YAML key is named with the accepted keys', () => {
    const err = configError({ file: yamlFile('colour: red\n'), env: {} });
    expect(err.key).toBe('colour');
    expect(err.message).toMatch(/accepted keys: .*storage.*addr.*workers/);
  });

  it('an unknown nested YAML key is named with its section and that section’s keys', () => {
    const err = configError({ file: yamlFile('storage:\n  colour: x\n'), env: {} });
    expect(err.key).toBe('storage.colour');
    expect(err.message).toMatch(/accepted keys under storage: .*flavor.*path/);
  });

  it('a value of the wrong type in YAML names its key', () => {
    expect(configError({ file: yamlFile('workers: [1, 2]\n'), env: {} }).key).toBe('workers');
  });

  it('a YAML syntax error or a missing file is a config error', () => {
    expect(configError({ file: yamlFile('workers: [1, 2\n'), env: {} }).message).toMatch(/^config: .*not valid YAML/);
    expect(configError({ file: nodePath.join(dir, 'missing.yml'), env: {} }).message).toMatch(/^config: cannot read .*ENOENT/);
  });
});

describe('the CLI refuses bad configuration with exit code 2 and one line', () => {
  const CLI = nodePath.resolve(import.meta.dirname, '../../server/cli.ts');
  const cleanEnv = (extra: Record<string, string>): NodeJS.ProcessEnv => {
    const env = { ...process.env };
    for (const k of ['REGISTRY_ADDRESS', 'REGISTRY_HOST', 'REGISTRY_PORT', 'SETTINGS_FLAVOR', 'STORAGE_PATH', 'DOCKER_REGISTRY_CONFIG', 'GUNICORN_WORKERS', 'REGISTRY_WORKERS', 'BERTH_V1']) delete env[k];
    return { ...env, ...extra };
  };
  const rows: { what: string; args: () => string[]; env: Record<string, string>; line: RegExp }[] = [
    { what: '--workers abc', args: () => ['--workers', 'abc'], env: {}, line: /^berth: invalid configuration: workers: must be an integer from 1 to 64, got "abc"$/ },
    { what: 'SETTINGS_FLAVOR=floppy', args: () => [], env: { SETTINGS_FLAVOR: 'floppy' }, line: /^berth: invalid configuration: storage\.flavor: .*"floppy".*accepted: .*local/ },
    { what: 'an unknown YAML key', args: () => ['--config', yamlFile('storage:\n  path: /tmp/x\nlisten: 1\n')], env: {}, line: /^berth: invalid configuration: listen: unknown key/ },
  ];
  it.each(rows)('$what', async ({ args, env, line }) => {
    const result = await run(process.execPath, ['--import', 'tsx', CLI, 'serve', '--root', dir, '--addr', '127.0.0.1:0', ...args()], { env: cleanEnv(env) });
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    const lines = result.stderr.trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(line);
  });
});
