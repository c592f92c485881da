// Berth's hosts block against scratch files: the fixed write script really runs (without elevation, which
// cannot run here), and nothing but Berth's block ever changes.
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as nodePath from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { elevatedCommandFor } from '../../../electron/os/elevation/index.js';
import { execRunner, type Command, type ElevationRunner, type ExecRunner } from '../../../electron/os/exec.js';
import { BEGIN_MARKER, END_MARKER, readBerthBlock, validateHostname, withBerthBlock } from '../../../electron/os/hosts/hosts-block.js';
import { HostsEditor } from '../../../electron/os/hosts/hosts-editor.js';
import { hostsPlatform } from '../../../electron/os/hosts/index.js';
import { removeDir, scratchDir } from '../../support/berth.js';

let dir: string;
let n = 0;
beforeAll(() => void (dir = scratchDir('berth-hosts-')));
afterAll(() => removeDir(dir));

const ENTRY = [{ ip: '127.0.0.1', hostname: 'registry.berth.test' }];

interface Harness {
  file: string;
  temp: string;
  editor: HostsEditor;
  elevated: Command[];
  flushed: Command[];
  resolverCleared: () => number;
}

/** An editor on a scratch file; `elevate` defaults to running the fixed script directly. */
function harness(content: string | Buffer, elevate?: ElevationRunner): Harness {
  const sub = nodePath.join(dir, `case-${n++}`);
  const temp = nodePath.join(sub, 'tmp');
  mkdirSync(temp, { recursive: true });
  const file = nodePath.join(sub, 'hosts');
  writeFileSync(file, content);
  const elevated: Command[] = [];
  const flushed: Command[] = [];
  let cleared = 0;
  const exec: ExecRunner = async (c) => {
    flushed.push(c);
    return { code: 0, stdout: '', stderr: '' };
  };
  const editor = new HostsEditor({
    target: file,
    tempDir: temp,
    platform: hostsPlatform('linux'),
    os: 'linux',
    elevate: async (c) => {
      elevated.push(c);
      return (elevate ?? execRunner)(c);
    },
    exec,
    clearResolverCache: async () => void cleared++,
  });
  return { file, temp, editor, elevated, flushed, resolverCleared: () => cleared };
}

const BASE_LF = '127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost  # keep my spacing\n\n# my comment\n10.0.0.5 nas.lan\n';

describe('hosts block', () => {
  it('adds and removes the block in an LF file; every other byte stays', async () => {
    const h = harness(BASE_LF);
    const set = await h.editor.set(ENTRY);
    expect(set).toMatchObject({ changed: true, entries: ENTRY });
    expect(readFileSync(h.file, 'utf8')).toBe(`${BASE_LF}${BEGIN_MARKER}\n127.0.0.1\tregistry.berth.test\n${END_MARKER}\n`);
    expect(readFileSync(`${h.file}.berth-backup`, 'utf8')).toBe(BASE_LF);
    expect(h.flushed).toEqual([{ program: 'resolvectl', args: ['flush-caches'] }, { program: 'nscd', args: ['-i', 'hosts'] }]);
    expect(h.resolverCleared()).toBe(1);
    expect((await h.editor.read()).entries).toEqual(ENTRY);
    await h.editor.remove();
    expect(readFileSync(h.file, 'utf8')).toBe(BASE_LF);
    expect(readdirSync(h.temp)).toEqual([]);
  });

  it('keeps CRLF line endings', async () => {
    const crlf = BASE_LF.replace(/\n/g, '\r\n');
    const h = harness(crlf);
    await h.editor.set(ENTRY);
    expect(readFileSync(h.file, 'utf8')).toBe(`${crlf}${BEGIN_MARKER}\r\n127.0.0.1\tregistry.berth.test\r\n${END_MARKER}\r\n`);
    await h.editor.remove();
    expect(readFileSync(h.file, 'utf8')).toBe(crlf);
  });

  it('keeps a missing final newline missing', async () => {
    const noEol = '127.0.0.1 localhost\r\n10.1.1.1 printer';
    const h = harness(noEol);
    await h.editor.set(ENTRY);
    const text = readFileSync(h.file, 'utf8');
    expect(text).toBe(`127.0.0.1 localhost\r\n10.1.1.1 printer\r\n${BEGIN_MARKER}\r\n127.0.0.1\tregistry.berth.test\r\n${END_MARKER}`);
    await h.editor.set([{ ip: '192.168.1.20', hostname: 'registry.berth.test' }]);
    expect(readFileSync(h.file, 'utf8').endsWith(`192.168.1.20\tregistry.berth.test\r\n${END_MARKER}`)).toBe(true);
    await h.editor.remove();
    expect(readFileSync(h.file, 'utf8')).toBe(noEol);
  });

  it('round-trips byte for byte with every line ending, a final bare CR included', async () => {
    const endings = ['\n', '\r\n', '\r'];
    const finals = ['', '\n', '\r\n', '\r', '\r\r', '\n\r'];
    let cases = 0;
    for (const a of endings) {
      for (const b of endings) {
        for (const last of finals) {
          const original = `127.0.0.1 localhost${a}10.0.0.5 nas.lan${b}# last line${last}`;
          const set = withBerthBlock(original, ENTRY);
          expect(readBerthBlock(set), JSON.stringify(original)).toEqual(ENTRY);
          expect(set.startsWith(original), JSON.stringify(original)).toBe(true);
          const updated = withBerthBlock(set, [{ ip: '10.9.9.9', hostname: 'registry.berth.test' }]);
          expect(readBerthBlock(updated)).toEqual([{ ip: '10.9.9.9', hostname: 'registry.berth.test' }]);
          expect(withBerthBlock(updated, null), JSON.stringify(original)).toBe(original);
          expect(withBerthBlock(set, null), JSON.stringify(original)).toBe(original);
          cases++;
        }
      }
    }
    expect(cases).toBe(54);
    // And through the editor and the real write script.
    const bareCr = '127.0.0.1 localhost\n10.1.1.1 printer\r';
    const h = harness(bareCr);
    await h.editor.set(ENTRY);
    expect(readFileSync(h.file, 'latin1')).toBe(`${bareCr}\n${BEGIN_MARKER}\n127.0.0.1\tregistry.berth.test\n${END_MARKER}`);
    await h.editor.remove();
    expect(readFileSync(h.file, 'latin1')).toBe(bareCr);
  });

  it("updates an existing Berth block in place and leaves a foreign block alone", async () => {
    const before = `1.1.1.1 a\n${BEGIN_MARKER}\n127.0.0.1 old.berth.test\n${END_MARKER}\n# BEGIN other-tool\n2.2.2.2 other\n# END other-tool\n3.3.3.3 c`;
    const h = harness(before);
    await h.editor.set(ENTRY);
    expect(readFileSync(h.file, 'utf8')).toBe(before.replace('127.0.0.1 old.berth.test', '127.0.0.1\tregistry.berth.test'));
    await h.editor.remove();
    expect(readFileSync(h.file, 'utf8')).toBe(`1.1.1.1 a\n# BEGIN other-tool\n2.2.2.2 other\n# END other-tool\n3.3.3.3 c`);
  });

  it('does not write (or prompt) when nothing changes', async () => {
    const h = harness(BASE_LF);
    await h.editor.set(ENTRY);
    expect(h.elevated).toHaveLength(1);
    expect(await h.editor.set(ENTRY)).toMatchObject({ changed: false });
    const plain = harness(BASE_LF);
    expect(await plain.editor.remove()).toMatchObject({ changed: false });
    expect(h.elevated).toHaveLength(1);
    expect(plain.elevated).toHaveLength(0);
  });

  it('edits a 5 MB file (with bytes that are not UTF-8) touching only the block', async () => {
    const line = Buffer.from('10.0.0.1 host-\xe9\xff.example # latin1 bytes\n', 'latin1');
    const big = Buffer.concat(Array.from({ length: Math.ceil((5 * 1024 * 1024) / line.length) }, () => line));
    const h = harness(big);
    await h.editor.set(ENTRY);
    const after = readFileSync(h.file);
    expect(after.subarray(0, big.length).equals(big)).toBe(true);
    expect(after.subarray(big.length).toString()).toBe(`${BEGIN_MARKER}\n127.0.0.1\tregistry.berth.test\n${END_MARKER}\n`);
    await h.editor.remove();
    expect(readFileSync(h.file).equals(big)).toBe(true);
  });

  it('serialises two concurrent edits, and retries when another program changed the file meanwhile', async () => {
    const h = harness(BASE_LF);
    const second = new HostsEditor({ target: h.file, tempDir: h.temp, platform: hostsPlatform('linux'), os: 'linux', elevate: execRunner, exec: async () => ({ code: 0, stdout: '', stderr: '' }) });
    await Promise.all([h.editor.set(ENTRY), second.set([{ ip: '127.0.0.2', hostname: 'other.berth.test' }])]);
    const text = readFileSync(h.file, 'utf8');
    expect(text.startsWith(BASE_LF)).toBe(true);
    expect(text.match(/# BEGIN berth/g)).toHaveLength(1);

    // Another program appends a line between our read and the elevated copy: the script notices, we re-read.
    let interfered = false;
    const racing = harness(BASE_LF, async (c) => {
      if (!interfered) {
        interfered = true;
        writeFileSync(racing.file, `${BASE_LF}192.168.9.9 added-by-someone-else\n`);
      }
      return execRunner(c);
    });
    await racing.editor.set(ENTRY);
    expect(racing.elevated).toHaveLength(2);
    expect(readFileSync(racing.file, 'utf8')).toBe(`${BASE_LF}192.168.9.9 added-by-someone-else\n${BEGIN_MARKER}\n127.0.0.1\tregistry.berth.test\n${END_MARKER}\n`);
  });

  it('leaves the original intact when the elevated step crashes, is cancelled or is refused', async () => {
    const crash = harness(BASE_LF, async () => {
      throw new Error('helper died before copying');
    });
    await expect(crash.editor.set(ENTRY)).rejects.toMatchObject({ kind: 'failed', message: expect.stringMatching(/helper died/) });
    expect(readFileSync(crash.file, 'utf8')).toBe(BASE_LF);
    expect(readdirSync(crash.temp)).toEqual([]);
    expect(existsSync(`${crash.file}.berth-backup`)).toBe(false);

    const cancelled = harness(BASE_LF, async () => ({ code: 126, stdout: '', stderr: 'Error executing command as another user: Request dismissed' }));
    await expect(cancelled.editor.set(ENTRY)).rejects.toMatchObject({ kind: 'cancelled' });
    const denied = harness(BASE_LF, async () => ({ code: 127, stdout: '', stderr: 'Error executing command as another user: Not authorized' }));
    await expect(denied.editor.set(ENTRY)).rejects.toMatchObject({ kind: 'denied', message: expect.stringMatching(/permission denied/) });
    const readOnly = harness(BASE_LF, async () => ({ code: 1, stdout: '', stderr: "cp: cannot create regular file '/etc/hosts': Read-only file system" }));
    await expect(readOnly.editor.set(ENTRY)).rejects.toMatchObject({ kind: 'read-only' });
    for (const h of [cancelled, denied, readOnly]) expect(readFileSync(h.file, 'utf8')).toBe(BASE_LF);
    expect(crash.resolverCleared() + cancelled.resolverCleared()).toBe(0);
  });

  it('tells the user when another program reverts the write', async () => {
    const h = harness(BASE_LF, async (c) => {
      const r = await execRunner(c);
      writeFileSync(h.file, BASE_LF);
      return r;
    });
    await expect(h.editor.set(ENTRY)).rejects.toMatchObject({ kind: 'reverted', hint: expect.stringMatching(/antivirus/i) });
  });

  it('refuses the altered temp file (hash of the checked copy) and damaged blocks', async () => {
    const h = harness(BASE_LF, async (c) => {
      writeFileSync(c.args[3] as string, '0.0.0.0 evil\n');
      return execRunner(c);
    });
    await expect(h.editor.set(ENTRY)).rejects.toMatchObject({ kind: 'failed', message: expect.stringMatching(/altered/) });
    expect(readFileSync(h.file, 'utf8')).toBe(BASE_LF);
    expect(() => withBerthBlock(`${BEGIN_MARKER}\n1.2.3.4 x\n`, ENTRY)).toThrow(/without "# END berth"/);
  });

  it('validates host names and addresses strictly', () => {
    for (const bad of ['evil\n1.2.3.4 bank.example', 'a b', 'x#y', '-lead.example', 'trail-.example', 'a..b', '1.2.3.4', '', 'x'.repeat(64) + '.example', 'ünï.example']) {
      expect(() => validateHostname(bad), bad).toThrow();
    }
    expect(validateHostname('Registry.Berth.TEST')).toBe('registry.berth.test');
    for (const ip of ['1.2.3', '127.0.0.1 evil', '::1#x', 'fe80::1%eth0', '127.0.0.1\n']) expect(() => withBerthBlock('', [{ ip, hostname: 'a.test' }]), ip).toThrow(/invalid IP/);
    expect(withBerthBlock('', [{ ip: '::1', hostname: 'a.test' }])).toBe(`${BEGIN_MARKER}\n::1\ta.test\n${END_MARKER}\n`);
  });
});

describe('the commands each OS runs', () => {
  const args = { temp: '/data/.hosts.abc.tmp', sha256: 'aa', currentSha256: 'bb', target: '/etc/hosts' };
  it('Linux: pkexec around the one fixed script; user-level cache flushes', () => {
    const write = hostsPlatform('linux').writeCommand(args);
    expect(write.program).toBe('/bin/sh');
    expect(write.args.slice(2)).toEqual(['berth-hosts', '/data/.hosts.abc.tmp', 'aa', 'bb', '/etc/hosts']);
    expect(write.args[1]).toContain('cp -- "$work/copy" "$target"');
    expect(write.args[1]).toContain('sha256sum --');
    expect(elevatedCommandFor('linux', write)).toEqual({ program: 'pkexec', args: ['/bin/sh', ...write.args] });
    expect(hostsPlatform('linux').flushCommands.map((c) => [c.program, ...c.args].join(' '))).toEqual(['resolvectl flush-caches', 'nscd -i hosts']);
  });

  it('macOS: the administrator dialog runs the script, which also flushes the DNS cache', () => {
    const write = hostsPlatform('darwin').writeCommand(args);
    expect(write.args[1]).toContain('/usr/bin/shasum -a 256 --');
    expect(write.args[1]).toContain('/usr/bin/dscacheutil -flushcache; /usr/bin/killall -HUP mDNSResponder || true');
    const elevated = elevatedCommandFor('darwin', write);
    expect(elevated.program).toBe('/usr/bin/osascript');
    expect(elevated.args[0]).toBe('-e');
    expect(elevated.args[1]).toMatch(/^do shell script "'\/bin\/sh' '-c' .* 'berth-hosts' '\/data\/\.hosts\.abc\.tmp' 'aa' 'bb' '\/etc\/hosts'" with administrator privileges$/s);
  });

  it('Windows: UAC around PowerShell; ipconfig /flushdns', () => {
    const platform = hostsPlatform('win32');
    expect(platform.defaultHostsPath).toMatch(/System32\\drivers\\etc\\hosts$/);
    const write = platform.writeCommand(args);
    expect(write.program).toBe('powershell.exe');
    expect(write.args.slice(-4)).toEqual(['/data/.hosts.abc.tmp', 'AA', 'BB', '/etc/hosts']);
    expect(write.args[3]).toContain('[System.IO.File]::WriteAllBytes($target, $bytes)');
    expect(elevatedCommandFor('win32', write).args.join(' ')).toContain('-Verb RunAs -Wait -PassThru');
    expect(platform.flushCommands).toEqual([{ program: 'ipconfig', args: ['/flushdns'] }]);
  });
});
