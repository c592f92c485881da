import { execFile, execFileSync } from 'node:child_process';
import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as nodePath from 'node:path';
import { promisify } from 'node:util';
import bcrypt from 'bcryptjs';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { requireTool } from '../../support/run.js';
import { hashScheme, Htpasswd, removeUser, setUser, validateUserName, verifyHash } from '../../../server/auth/htpasswd.js';

const run = promisify(execFile);
// Apache's own tool (apache2-utils, which CI installs): missing, these tests fail instead of skipping.
const HTPASSWD = requireTool('htpasswd');

/** One line from the real Apache tool, as users would paste it into the file. */
function apacheLine(flag: string, user: string, password: string): string {
  return execFileSync(HTPASSWD, [flag, user, password], { encoding: 'utf8' }).trim();
}

describe('htpasswd verification', () => {
  const cases = [
    { flag: '-nbB', scheme: 'bcrypt', prefix: '$2y$' },
    { flag: '-nbm', scheme: 'apr1', prefix: '$apr1$' },
    { flag: '-nbs', scheme: 'sha1', prefix: '{SHA}' },
  ] as const;

  for (const { flag, scheme, prefix } of cases) {
    for (const password of ['s3cret-pass', 'pässwörd ünïcode', 'with:colon']) {
      it(`accepts htpasswd ${flag} (${scheme}) for ${JSON.stringify(password)} and refuses wrong ones`, async () => {
        const file = Htpasswd.parse(apacheLine(flag, 'alice', password));
        const hash = file.users.get('alice')!;
        expect(hash.startsWith(prefix)).toBe(true);
        expect(hashScheme(hash)).toBe(scheme);
        expect(await file.verify('alice', password)).toBe(true);
        expect(await file.verify('alice', password + 'x')).toBe(false);
        expect(await file.verify('alice', password.slice(0, -1))).toBe(false);
        expect(await file.verify('alice', '')).toBe(false);
        expect(await file.verify('bob', password)).toBe(false);
      });
    }
  }

  it('accepts bcryptjs hashes with $2a$ and $2b$ prefixes', async () => {
    const b = await bcrypt.hash('hunter2', 4);
    expect(b.startsWith('$2b$')).toBe(true);
    const a = '$2a$' + b.slice(4);
    for (const hash of [a, b]) {
      expect(await verifyHash('hunter2', hash)).toBe(true);
      expect(await verifyHash('hunter3', hash)).toBe(false);
    }
  });

  it(`refuses plain-text and crypt entries even with the right password`, async () => {
    const plain = execFileSync(HTPASSWD, ['-nbp', 'pat', 'plainpw'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    const crypt = apacheLine('-nbd', 'cody', 'cryptpw');
    const file = Htpasswd.parse(`${plain}\n${crypt}\n`);
    expect(file.users.get('pat')).toBe('plainpw');
    expect(hashScheme(file.users.get('pat')!)).toBe('refused');
    expect(hashScheme(file.users.get('cody')!)).toBe('refused');
    expect(await file.verify('pat', 'plainpw')).toBe(false);
    expect(await file.verify('cody', 'cryptpw')).toBe(false);
  });

  it('refuses malformed hashes of known schemes', async () => {
    expect(await verifyHash('x', '$2y$10$short')).toBe(false);
    expect(await verifyHash('x', '{SHA}notbase64')).toBe(false);
    expect(await verifyHash('x', '$apr1$$')).toBe(false);
  });

  it('ignores comments, blank lines and CRLF, and the first line of a user wins', async () => {
    const first = await bcrypt.hash('one', 4);
    const second = await bcrypt.hash('two', 4);
    const file = Htpasswd.parse(`# comment\r\n\r\n  \r\nann:${first}\r\nann:${second}\r\nbroken-line\r\n`);
    expect([...file.users.keys()]).toEqual(['ann']);
    expect(await file.verify('ann', 'one')).toBe(true);
    expect(await file.verify('ann', 'two')).toBe(false);
  });

  it('checks an unknown user or a refused entry against a decoy bcrypt hash of the file\'s cost, so timing does not reveal who exists', async () => {
    // What a check costs is bcrypt's cost factor: the decoy must use the one the file's entries use.
    const file = Htpasswd.parse(`real:${await bcrypt.hash('pw', 5)}\nother:${await bcrypt.hash('pw', 5)}\nplain:secret\n`);
    const hashed = vi.spyOn(bcrypt, 'hash');
    try {
      for (const user of ['real', 'nobody', 'plain']) {
        hashed.mockClear();
        expect(await file.verify(user, 'wrong')).toBe(false);
        const salts = hashed.mock.calls.map(([, salt]) => salt);
        // The known user's own salt, or the decoy's making (cost 5) and its check (its salt).
        expect(salts.length, user).toBeGreaterThan(0);
        expect(salts.at(-1), user).toMatch(/^\$2[aby]\$05\$/);
      }
    } finally {
      hashed.mockRestore();
    }
  });
});

describe('user names', () => {
  it.each(['alice', 'a', 'x'.repeat(255), 'user@example.com', 'ünï'])('accepts %j', (name) => {
    expect(() => validateUserName(name)).not.toThrow();
  });
  it.each(['', 'x'.repeat(256), 'a:b', 'a b', 'a\nb', 'a\rb', 'a\tb', 'a\u0000b'])('refuses %j', (name) => {
    expect(() => validateUserName(name)).toThrow(RangeError);
  });
});

describe('editing the file', () => {
  let dir: string;
  let file: string;
  beforeEach(async () => {
    dir = await fs.mkdtemp(nodePath.join(os.tmpdir(), 'berth-htpasswd-'));
    file = nodePath.join(dir, 'htpasswd');
  });
  afterEach(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('creates the file with mode 0600 and a bcrypt cost-10 entry', async () => {
    await setUser(file, 'alice', 'first-pass');
    const stat = await fs.stat(file);
    if (process.platform !== 'win32') expect(stat.mode & 0o777).toBe(0o600);
    const text = await fs.readFile(file, 'utf8');
    expect(text).toMatch(/^alice:\$2b\$10\$.{53}\n$/);
    expect(await Htpasswd.parse(text).verify('alice', 'first-pass')).toBe(true);
  });

  it(`writes entries Apache's htpasswd -v accepts`, async () => {
    await setUser(file, 'alice', 'pässwörd', { cost: 5 });
    await expect(run(HTPASSWD, ['-vb', file, 'alice', 'pässwörd'])).resolves.toBeDefined();
    await expect(run(HTPASSWD, ['-vb', file, 'alice', 'wrong'])).rejects.toThrow();
  });

  it('replaces a password in place and keeps other lines byte for byte', async () => {
    const original = '# managed by hand\r\nbob:{SHA}W6ph5Mm5Pz8GgiULbPgzG37mj9g=\r\nalice:$apr1$abc$0123456789012345678901\r\n\r\ncarol:plain\r\n';
    await fs.writeFile(file, original);
    await setUser(file, 'alice', 'new-pass', { cost: 4 });
    const lines = (await fs.readFile(file, 'utf8')).split('\r\n');
    expect(lines[0]).toBe('# managed by hand');
    expect(lines[1]).toBe('bob:{SHA}W6ph5Mm5Pz8GgiULbPgzG37mj9g=');
    expect(lines[2]).toMatch(/^alice:\$2b\$04\$/);
    expect(lines.slice(3)).toEqual(['', 'carol:plain', '']);
    expect(await Htpasswd.parse(lines.join('\n')).verify('alice', 'new-pass')).toBe(true);
  });

  it('removes every line of a user, reports absence, and leaves no temp files', async () => {
    await fs.writeFile(file, 'dan:x\nerin:y\ndan:z\n');
    expect(await removeUser(file, 'dan')).toBe(true);
    expect(await fs.readFile(file, 'utf8')).toBe('erin:y\n');
    expect(await removeUser(file, 'dan')).toBe(false);
    expect(await fs.readdir(dir)).toEqual(['htpasswd']);
  });

  it('serialises concurrent edits so none is lost', async () => {
    await Promise.all(['u1', 'u2', 'u3', 'u4', 'u5'].map((u) => setUser(file, u, `pw-${u}`, { cost: 4 })));
    const parsed = Htpasswd.parse(await fs.readFile(file, 'utf8'));
    expect([...parsed.users.keys()].sort()).toEqual(['u1', 'u2', 'u3', 'u4', 'u5']);
  });

  it('refuses bad user names and passwords bcrypt would silently truncate', async () => {
    await expect(setUser(file, 'a:b', 'pw')).rejects.toThrow(RangeError);
    await expect(setUser(file, 'ok', '')).rejects.toThrow(RangeError);
    await expect(setUser(file, 'ok', 'x'.repeat(73))).rejects.toThrow(/72 bytes/);
    await expect(fs.stat(file)).rejects.toThrow();
  });
});
