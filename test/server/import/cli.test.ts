import { spawn } from 'node:child_process';
import { openSync, closeSync, writeFileSync } from 'node:fs';
import * as nodePath from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { progressPrinter } from '../../../server/import/progress-line.js';
import { removeDir, scratchDir } from '../../support/berth.js';
import { randomLayer, writeDockerArchive } from '../../support/images.js';
import { run } from '../../support/run.js';
import { writeTar } from './archives.js';

const CLI = nodePath.resolve(import.meta.dirname, '..', '..', '..', 'server', 'cli.ts');
const berth = (args: string[]) => run(process.execPath, ['--import', 'tsx', CLI, ...args]);

/** `berth import` as users run it: exit codes, the summary with pull hints, progress lines off a TTY. */
describe('berth import', () => {
  let work: string;
  let archive: string;

  beforeAll(async () => {
    work = scratchDir('berth-import-cli-');
    archive = nodePath.join(work, 'app.tar');
    await writeDockerArchive(archive, [{ repoTags: ['cli/app:1'], layers: [randomLayer(2 * 1024 * 1024)] }]);
  });
  afterAll(() => {
    if (work) removeDir(work);
  });

  it('imports, prints the summary and docker pull hints, and logs progress lines when stderr is not a TTY', async () => {
    const root = nodePath.join(work, 'root-a');
    const result = await berth(['import', archive, '--root', root, '--tag', 'renamed/app:2', '--compress']);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^imported 1 image: [\d.]+ MiB new, 0 B already present$/m);
    expect(result.stdout).toContain('tags created or moved: renamed/app:2');
    expect(result.stdout).toContain('docker pull 127.0.0.1:5000/renamed/app:2');
    expect(result.stderr).toMatch(/^import: reading .* \(100%\)$/m);
    expect(result.stderr).toMatch(/^import: done /m);
    expect(result.stderr).not.toContain('\r');
  });

  it('reads the archive from standard input with -', async () => {
    const root = nodePath.join(work, 'root-b');
    const fd = openSync(archive, 'r');
    const child = spawn(process.execPath, ['--import', 'tsx', CLI, 'import', '-', '--root', root], { stdio: [fd, 'pipe', 'pipe'] });
    closeSync(fd);
    let stdout = '';
    child.stdout?.on('data', (c: Buffer) => (stdout += c.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect(code).toBe(0);
    expect(stdout).toContain('docker pull 127.0.0.1:5000/cli/app:1');
  });

  it('exits 1 with the reason for a broken archive, 2 for bad usage', async () => {
    const broken = nodePath.join(work, 'broken.tar');
    await writeTar(broken, [{ name: '../escape', body: Buffer.from('x') }]);
    const refused = await berth(['import', broken, '--root', nodePath.join(work, 'root-c')]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(`berth import: ${broken}: entry "../escape" climbs out of the archive`);
    expect(refused.stdout).toBe('');

    const usage = await berth(['import', '--root', nodePath.join(work, 'root-c')]);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain('import needs exactly one archive file');
  });

  it("takes serve's address flags, config file and environment, and prints the address the registry uses", async () => {
    const root = nodePath.join(work, 'root-addr');
    const flag = await berth(['import', archive, '--root', root, '--addr', '127.0.0.1:5123']);
    expect(flag.code, flag.stderr).toBe(0);
    expect(flag.stdout).toContain('docker pull 127.0.0.1:5123/cli/app:1');
    expect(flag.stdout).not.toContain(':5000/');

    const config = nodePath.join(work, 'berth.yml');
    writeFileSync(config, `addr: "[::1]:5200"\nstorage:\n  path: ${JSON.stringify(root)}\n`);
    const fromFile = await berth(['import', archive, '--config', config]);
    expect(fromFile.code, fromFile.stderr).toBe(0);
    expect(fromFile.stdout).toContain('docker pull [::1]:5200/cli/app:1');

    const fromEnv = await run(process.execPath, ['--import', 'tsx', CLI, 'import', archive, '--root', root], { env: { ...process.env, REGISTRY_PORT: '5301' } });
    expect(fromEnv.code, fromEnv.stderr).toBe(0);
    expect(fromEnv.stdout).toContain('docker pull 127.0.0.1:5301/cli/app:1');

    // A registry on every interface is pulled from here over loopback, which Docker allows without TLS.
    const all = await berth(['import', archive, '--root', root, '--addr', '0.0.0.0:5400', '--open-registry-without-password']);
    expect(all.code, all.stderr).toBe(0);
    expect(all.stdout).toContain('docker pull 127.0.0.1:5400/cli/app:1');
  });

  it('draws one redrawn bar line on a TTY', () => {
    let text = '';
    const printer = progressPrinter((t) => (text += t), true);
    printer.update({ phase: 'reading', bytesRead: 512 * 1024, totalBytes: 1024 * 1024, layer: 'abc/layer.tar' });
    printer.update({ phase: 'reading', bytesRead: 1024 * 1024, totalBytes: 1024 * 1024, layer: 'abc/layer.tar' });
    printer.end();
    expect(text).toMatch(/^\rreading {4}\[#{15}\.{15}\] {2}50% 512\.0 KiB \/ 1\.0 MiB abc\/layer\.tar/);
    expect(text).toContain(`[${'#'.repeat(30)}] 100% 1.0 MiB / 1.0 MiB`);
    expect(text.endsWith('\n')).toBe(true);
  });
});
