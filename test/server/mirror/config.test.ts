import { chmodSync, writeFileSync } from 'node:fs';
import * as nodePath from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serveConfigFromFlags } from '../../../server/runtime/flags.js';
import { ConfigError, resolveConfig } from '../../../server/config.js';
import { removeDir, scratchDir } from '../../support/berth.js';

let dir: string;
let passwordFile: string;
beforeAll(() => {
  dir = scratchDir('berth-mirror-config-');
  passwordFile = nodePath.join(dir, 'pw');
  writeFileSync(passwordFile, 'secret\n');
  chmodSync(passwordFile, 0o600);
});
afterAll(() => removeDir(dir));

let count = 0;
const yaml = (text: string): string => {
  const file = nodePath.join(dir, `c${++count}.yml`);
  writeFileSync(file, text);
  return file;
};
const env = { XDG_DATA_HOME: '/data' };

function configError(run: () => unknown): ConfigError {
  try {
    run();
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('mirrors in the configuration', () => {
  it('no mirrors by default', () => {
    expect(resolveConfig({ env }).mirrors).toBeUndefined();
  });

  it('the file\'s list and the --mirror flags add up; a flag replaces the file\'s entry for the same prefix', () => {
    const file = yaml(`mirrors:\n  - prefix: ghcr\n    url: https://ghcr.io/\n    username: me\n    password_file: ${passwordFile}\n    tag_ttl_seconds: 5\n  - prefix: quay\n    url: https://quay.io\n`);
    const config = serveConfigFromFlags({ config: file, mirror: ['https://registry-1.docker.io', 'quay=http://127.0.0.1:5001'] });
    expect(config.mirrors).toEqual([
      { prefix: 'ghcr', url: 'https://ghcr.io', username: 'me', passwordFile, tagTtlSeconds: 5 },
      { prefix: 'quay', url: 'http://127.0.0.1:5001', tagTtlSeconds: 30 },
      { url: 'https://registry-1.docker.io', tagTtlSeconds: 30 },
    ]);
  });

  it.each([
    ['mirrors:\n  - prefix: x\n', 'mirrors[0].url', 'required'],
    ['mirrors:\n  - url: ftp://x\n', 'mirrors[0].url', 'http(s)://HOST'],
    ['mirrors:\n  - url: https://user:pw@x\n', 'mirrors[0].url', 'no path or credentials'],
    ['mirrors:\n  - url: https://x/v2\n', 'mirrors[0].url', 'no path'],
    ['mirrors:\n  - url: https://x\n    prefix: Bad/Prefix\n', 'mirrors[0].prefix', 'repository-name path'],
    ['mirrors:\n  - url: https://x\n    username: a\n    password: b\n', 'mirrors[0].password', 'password_file'],
    ['mirrors:\n  - url: https://x\n    username: a\n', 'mirrors[0].password_file', 'give both'],
    ['mirrors:\n  - url: https://x\n    tag_ttl_seconds: -1\n', 'mirrors[0].tag_ttl_seconds', 'integer from 0 to 86400'],
    ['mirrors:\n  - url: https://x\n    token: t\n', 'mirrors.0.token', 'accepted keys under mirrors.0: url, prefix, username, password, password_file, ca_file, tag_ttl_seconds'],
  ])('%j is refused at %s', (text, key, message) => {
    const err = configError(() => resolveConfig({ env, file: yaml(text) }));
    expect(err.key).toBe(key);
    expect(err.message).toContain(message);
  });

  it('refuses a password file others can read', () => {
    const open = nodePath.join(dir, 'open-pw');
    writeFileSync(open, 'secret');
    chmodSync(open, 0o644);
    const err = configError(() => resolveConfig({ env, file: yaml(`mirrors:\n  - url: https://x\n    username: a\n    password_file: ${open}\n`) }));
    expect(err.message).toContain('chmod 600');
  });
});
