import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, realpathSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import * as nodePath from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeDir, scratchDir } from '../support/berth.js';
import { isRelativeLink, markdownLinks } from '../support/markdown.js';
import { writeDockerArchive, randomLayer } from '../support/images.js';
import { okOutput, requireTool, run } from '../support/run.js';
import { httpOnce, skopeo } from '../interop/clients.js';

const REPO_ROOT = nodePath.resolve(import.meta.dirname, '..', '..');
const PACKAGE = JSON.parse(readFileSync(nodePath.join(REPO_ROOT, 'package.json'), 'utf8')) as {
  version: string;
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};

/**
 * The environment of the npm we run: without the npm_* variables `npm test` sets for its own scripts
 * (a parent's prefix or cache settings must not leak into the scratch install).
 */
function npmEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([key]) => !/^npm_/i.test(key)));
}

/** A running installed command; resolves when `pattern` shows up in its output. */
interface Started {
  readonly child: ChildProcess;
  readonly match: RegExpExecArray;
  output(): string;
  /** SIGTERM and the exit code. */
  stop(): Promise<number | null>;
}

function startAndWait(command: string, args: string[], pattern: RegExp, env: NodeJS.ProcessEnv): Promise<Started> {
  const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    let done = false;
    const onData = (chunk: Buffer): void => {
      output += chunk.toString();
      const match = pattern.exec(output);
      if (match && !done) {
        done = true;
        resolve({
          child,
          match,
          output: () => output,
          stop: async () => {
            if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
            return exited;
          },
        });
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => {
      if (!done) reject(new Error(`${command} ${args.join(' ')} exited with ${code} before printing ${pattern}:\n${output}`));
    });
  });
}

/** Whether a port on 127.0.0.1 can be bound again (the server that held it let go). */
function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** Every package name in an installed node_modules tree, nested ones included. */
function installedPackages(nodeModules: string, into = new Set<string>()): Set<string> {
  if (!existsSync(nodeModules)) return into;
  for (const entry of readdirSync(nodeModules)) {
    if (entry.startsWith('.')) continue;
    const names = entry.startsWith('@') ? readdirSync(nodePath.join(nodeModules, entry)).map((n) => `${entry}/${n}`) : [entry];
    for (const name of names) {
      into.add(name);
      installedPackages(nodePath.join(nodeModules, name, 'node_modules'), into);
    }
  }
  return into;
}

function folderSize(dir: string): number {
  let total = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = nodePath.join(dir, entry.name);
    if (entry.isDirectory()) total += folderSize(path);
    else if (entry.isFile()) total += statSync(path).size;
  }
  return total;
}

/**
 * The package as a user gets it: `npm pack` (its prepack builds the renderer and the bundles), then
 * `npm install -g` of the tarball into a scratch prefix, then the installed commands, run as they are.
 */
describe('npm pack, npm install -g, the installed berth', () => {
  let work: string;
  let tarball: string;
  let prefix: string;
  let berth: string;
  let installed: string;
  const env = (): NodeJS.ProcessEnv => {
    // The installed commands find Node on PATH, as a user's shell would; no test hooks of this repository.
    const clean = npmEnv();
    delete clean.BERTH_RENDERER_DIR;
    return clean;
  };

  beforeAll(async () => {
    work = scratchDir('berth-pack-');
    const npm = requireTool('npm');
    okOutput(await run(npm, ['pack', '--pack-destination', work], { cwd: REPO_ROOT, env: npmEnv() }));
    tarball = nodePath.join(work, `berth-${PACKAGE.version}.tgz`);
    prefix = nodePath.join(work, 'prefix');
    // --prefer-offline: what `npm ci` already cached is taken from the cache, not fetched again.
    const started = process.hrtime.bigint();
    okOutput(await run(npm, ['install', '--global', '--prefix', prefix, tarball, '--prefer-offline', '--no-audit', '--no-fund', '--loglevel', 'error'], { env: npmEnv() }));
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    berth = nodePath.join(prefix, 'bin', 'berth');
    installed = nodePath.join(prefix, 'lib', 'node_modules', 'berth');
    // Printed for the README's figures; never asserted (the machine's load decides them).
    console.log(`pack-install: tarball ${(statSync(tarball).size / 1e6).toFixed(2)} MB, install ${seconds.toFixed(1)} s, installed ${(folderSize(installed) / 1e6).toFixed(1)} MB, ${installedPackages(nodePath.join(installed, 'node_modules')).size} packages`);
  });

  afterAll(() => {
    if (work) removeDir(work);
  });

  it('packs the bundles and the built renderer, and no sources', async () => {
    const files = okOutput(await run(requireTool('tar'), ['tzf', tarball])).split('\n');
    for (const file of ['bin/berth.mjs', 'dist/berth.mjs', 'dist/headless.mjs', 'dist/docker-credential-berth.mjs', 'renderer/dist/index.html', 'package.json', 'README.md']) {
      expect(files).toContain(`package/${file}`);
    }
    expect(files.some((f) => /^package\/renderer\/dist\/assets\/.+\.js$/.test(f))).toBe(true);
    expect(files.filter((f) => /^package\/(server|electron|test|node_modules|renderer\/src)\//.test(f) || f.endsWith('.ts'))).toEqual([]);
  });

  it('packs every file the README links to, and every file the packaged docs link to', async () => {
    // Read from the installed package, as a user reads it (npm's page, an editor): a link to a file outside
    // `files` is dead there even though it works in the repository.
    const packed = new Set(okOutput(await run(requireTool('tar'), ['tzf', tarball])).split('\n').map((f) => f.replace(/^package\//, '')));
    const queue = ['README.md'];
    const read = new Set<string>();
    const dead: string[] = [];
    let followed = 0;
    while (queue.length > 0) {
      const page = queue.shift() as string;
      if (read.has(page)) continue;
      read.add(page);
      for (const link of markdownLinks(readFileSync(nodePath.join(installed, page), 'utf8'))) {
        const path = link.target.split('#')[0] as string;
        if (!isRelativeLink(link.target) || path === '') continue;
        followed++;
        const target = nodePath.posix.normalize(nodePath.posix.join(nodePath.posix.dirname(page), decodeURIComponent(path)));
        if (!packed.has(target)) dead.push(`${page}:${link.line}: ${link.target}`);
        else if (target.endsWith('.md')) queue.push(target);
      }
    }
    expect(dead).toEqual([]);
    expect(followed).toBeGreaterThan(20);
    expect([...read]).toEqual(expect.arrayContaining(['README.md', 'docs/registry.md', 'docs/wire-errors.md']));
  });

  it('installs the runtime dependencies only: no Electron, no build tools, no React', () => {
    const names = installedPackages(nodePath.join(installed, 'node_modules'));
    for (const dependency of Object.keys(PACKAGE.dependencies)) expect(names).toContain(dependency);
    expect(Object.keys(PACKAGE.devDependencies).filter((dev) => names.has(dev))).toEqual([]);
    expect(Object.keys(PACKAGE.devDependencies)).toEqual(expect.arrayContaining(['electron', 'electron-builder', 'react', 'react-dom', 'vite', 'esbuild']));
  });

  it('links berth and docker-credential-berth onto the prefix PATH', async () => {
    expect(realpathSync(berth)).toBe(nodePath.join(installed, 'bin', 'berth.mjs'));
    expect(okOutput(await run(berth, ['--version'], { env: env() }))).toBe(PACKAGE.version);
    const help = await run(berth, ['--help'], { env: env() });
    expect(help.code).toBe(0);
    for (const command of ['serve', 'console', 'import', 'gc', 'cert', 'user', 'service']) expect(help.stdout).toMatch(new RegExp(`^  ${command} `, 'm'));
    const consoleHelp = await run(berth, ['help', 'console'], { env: env() });
    expect(consoleHelp.code).toBe(0);
    expect(consoleHelp.stdout).toContain('--console-addr');
    const bare = await run(berth, [], { env: env() });
    expect(bare.code).toBe(2);
    expect(bare.stdout).toBe('');
    expect(bare.stderr).toContain('usage: berth <command>');
    const serviceHelp = await run(berth, ['help', 'service'], { env: env() });
    expect(serviceHelp.code).toBe(0);
    expect(serviceHelp.stdout).toMatch(/^usage: berth service/);
    expect(serviceHelp.stdout).toContain('uninstall');
    const unknown = await run(berth, ['frobnicate'], { env: env() });
    expect(unknown.code).toBe(2);
    expect(unknown.stdout).toBe('');
    expect(unknown.stderr).toContain('unknown command "frobnicate"');
    const badFlag = await run(berth, ['gc', '--frobnicate'], { env: env() });
    expect(badFlag.code).toBe(2);
    expect(badFlag.stderr).toContain('--frobnicate');

    const helper = nodePath.join(prefix, 'bin', 'docker-credential-berth');
    expect(realpathSync(helper)).toBe(nodePath.join(installed, 'dist', 'docker-credential-berth.mjs'));
    const version = await run(helper, ['version'], { env: env() });
    expect(version.code).toBe(0);
    expect(version.stdout).toContain('docker-credential-berth');
  });

  it('berth serve takes a skopeo push and pull, and SIGTERM stops it with exit 0 and the port released', async () => {
    const root = nodePath.join(work, 'serve-data');
    const server = await startAndWait(berth, ['serve', '--root', root, '--addr', '127.0.0.1:0'], /registry listening on http:\/\/127\.0\.0\.1:(\d+)/, env());
    const port = Number(server.match[1]);
    try {
      const archive = nodePath.join(work, 'image.tar');
      const [imageId] = await writeDockerArchive(archive, [{ repoTags: ['pack/test:1'], layers: [randomLayer(64 * 1024)] }]);
      await skopeo('copy', '--dest-tls-verify=false', `docker-archive:${archive}`, `docker://127.0.0.1:${port}/pack/test:1`);
      const inspected = JSON.parse(await skopeo('inspect', '--raw', '--tls-verify=false', `docker://127.0.0.1:${port}/pack/test:1`)) as { config: { digest: string } };
      expect(inspected.config.digest).toBe(imageId);
    } finally {
      expect(await server.stop()).toBe(0);
    }
    expect(await portFree(port)).toBe(true);
  });

  it('berth console serves the packaged renderer and stops on SIGTERM', async () => {
    const root = nodePath.join(work, 'console-data');
    const consoleProcess = await startAndWait(
      berth,
      ['console', '--root', root, '--addr', '127.0.0.1:0', '--console-addr', '127.0.0.1:0'],
      /berth console: http:\/\/127\.0\.0\.1:(\d+) \(the link with its token: berth console-url .*\)\n/,
      env(),
    );
    try {
      // Its output is a pipe, as under systemd: no token there; the installed console-url prints the link.
      expect(consoleProcess.output()).not.toContain('token=');
      const link = okOutput(await run(berth, ['console-url', '--root', root, '--console-addr', `127.0.0.1:${consoleProcess.match[1]}`], { env: env() }));
      expect(link).toBe(`http://127.0.0.1:${consoleProcess.match[1]}/?token=${readFileSync(nodePath.join(root, 'console-token'), 'utf8').trim()}`);
      const page = await httpOnce(link);
      expect(page.status).toBe(200);
      // The page is the installed package's own build, not a placeholder and not the repository's files.
      expect(page.body.toString()).toBe(readFileSync(nodePath.join(installed, 'renderer', 'dist', 'index.html'), 'utf8'));
      expect(consoleProcess.output()).not.toContain('placeholder');
    } finally {
      expect(await consoleProcess.stop()).toBe(0);
    }
    expect(await portFree(Number(consoleProcess.match[1]))).toBe(true);
  });

  it('berth service install writes a unit whose ExecStart runs the installed berth', async () => {
    const root = nodePath.join(work, 'service-root');
    const data = nodePath.join(work, 'service-data');
    okOutput(await run(berth, ['service', 'install', '--user', '--root', root, '--data', data, '--', '--addr', '127.0.0.1:0'], { env: { ...env(), HOME: nodePath.join(work, 'home'), XDG_CONFIG_HOME: '' } }));
    const unit = readFileSync(nodePath.join(root, work, 'home', '.config', 'systemd', 'user', 'berth.service'), 'utf8');
    const execStart = /^ExecStart=(.+)$/m.exec(unit)?.[1] ?? '';
    // The scratch paths have no spaces or specifiers, so the words are plain.
    const words = execStart.split(' ');
    expect(words).toEqual([expect.any(String), nodePath.join(installed, 'bin', 'berth.mjs'), 'serve', '--root', data, '--addr', '127.0.0.1:0']);
    const [node, ...args] = words as [string, ...string[]];
    const server = await startAndWait(node, args, /registry listening on http:\/\/127\.0\.0\.1:(\d+)/, env());
    expect(server.output()).toContain(`storage ${data}`);
    expect((await httpOnce(`http://127.0.0.1:${server.match[1]}/v2/`)).status).toBe(200);
    expect(await server.stop()).toBe(0);
  });
});
