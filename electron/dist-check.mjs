/* global process, console, Buffer */
// CI check of the packaging (npm run dist:check), offline: builds the bundles, then lets electron-builder
// validate electron-builder.yml and assemble an unpacked app around a placeholder Electron folder (no
// Electron download is possible here). Fails if the unpacked app lacks the bundles, if the fuses are not
// flipped as configured, or if the shipped docker-credential-berth does not answer.
import { FuseV1Options, getCurrentFuseWire } from '@electron/fuses';
import { spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as nodePath from 'node:path';
import { parse } from 'yaml';

const root = nodePath.resolve(import.meta.dirname, '..');
const run = (cmd, args) => {
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
};

run(process.execPath, ['electron/build.mjs']);
if (!existsSync(nodePath.join(root, 'renderer', 'dist', 'index.html'))) {
  console.error('dist:check: renderer/dist/index.html is missing; run npm run build:renderer first');
  process.exit(1);
}
/** The fuse wire's marker in Electron binaries, and Electron 45's fuse defaults ('1' on, '0' off) in wire order. */
const SENTINEL = 'dL7pKGdnNz796PbbjQWNKmHXBZaB9tsX';
const ELECTRON_DEFAULT_FUSES = '10110001';
const ON = 49;
const OFF = 48;

/** The fuses the app must ship with, whatever else electron-builder.yml says. */
const REQUIRED_FUSES = { runAsNode: false, enableNodeOptionsEnvironmentVariable: false, enableNodeCliInspectArguments: false, onlyLoadAppFromAsar: true };
const FUSE_INDEX = {
  runAsNode: FuseV1Options.RunAsNode,
  enableCookieEncryption: FuseV1Options.EnableCookieEncryption,
  enableNodeOptionsEnvironmentVariable: FuseV1Options.EnableNodeOptionsEnvironmentVariable,
  enableNodeCliInspectArguments: FuseV1Options.EnableNodeCliInspectArguments,
  enableEmbeddedAsarIntegrityValidation: FuseV1Options.EnableEmbeddedAsarIntegrityValidation,
  onlyLoadAppFromAsar: FuseV1Options.OnlyLoadAppFromAsar,
  loadBrowserProcessSpecificV8Snapshot: FuseV1Options.LoadBrowserProcessSpecificV8Snapshot,
  grantFileProtocolExtraPrivileges: FuseV1Options.GrantFileProtocolExtraPrivileges,
};

const fail = (message) => {
  console.error(`dist:check: ${message}`);
  process.exit(1);
};

/** electron-builder.yml names the required fuses, and the packaged binary carries every configured one. */
async function checkFuses(executable) {
  const fuses = parse(readFileSync(nodePath.join(root, 'electron-builder.yml'), 'utf8')).electronFuses ?? {};
  for (const [name, value] of Object.entries(REQUIRED_FUSES)) {
    if (fuses[name] !== value) fail(`electron-builder.yml must set electronFuses.${name}: ${value}`);
  }
  const wire = await getCurrentFuseWire(executable);
  for (const [name, value] of Object.entries(fuses)) {
    if (!(name in FUSE_INDEX)) continue;
    const state = wire[FUSE_INDEX[name]];
    if (state !== (value ? ON : OFF)) fail(`fuse ${name} is ${String.fromCharCode(state)} in ${executable}, expected ${value ? 1 : 0}`);
  }
  console.log(`dist:check: fuses flipped in the packaged binary: ${Object.entries(fuses).map(([k, v]) => `${k}=${v}`).join(', ')}`);
}

/**
 * resources/bin/docker-credential-berth is in the package, executable, and answers through a link on
 * PATH. The placeholder Electron cannot run the app, so the app binary is swapped for node running the
 * packaged main bundle (extracted from app.asar): the same --credential-helper mode Electron would run.
 */
function checkCredentialHelper(appDir, asarFile) {
  const helper = nodePath.join(appDir, 'resources', 'bin', 'docker-credential-berth');
  try {
    accessSync(helper, constants.X_OK);
  } catch {
    fail(`${helper} is missing or not executable`);
  }
  const scratch = mkdtempSync(nodePath.join(tmpdir(), 'berth-helper-check-'));
  try {
    const extracted = nodePath.join(scratch, 'app');
    const asar = spawnSync(process.execPath, [nodePath.join(root, 'node_modules', '@electron', 'asar', 'bin', 'asar.js'), 'extract', asarFile, extracted], { encoding: 'utf8' });
    if (asar.status !== 0) fail(`cannot extract ${asarFile}: ${asar.stderr}`);
    const main = nodePath.join(extracted, 'dist-electron', 'main.cjs');
    writeFileSync(nodePath.join(appDir, 'berth-desktop'), `#!/bin/sh\nexec "${process.execPath}" "${main}" "$@"\n`, { mode: 0o755 });
    const bin = nodePath.join(scratch, 'bin');
    mkdirSync(bin);
    symlinkSync(helper, nodePath.join(bin, 'docker-credential-berth'));
    const env = { PATH: `${bin}:/usr/bin:/bin`, HOME: scratch };
    const version = spawnSync('docker-credential-berth', ['version'], { encoding: 'utf8', env });
    if (version.status !== 0 || version.stdout.trim() !== 'docker-credential-berth (Berth) 1') fail(`docker-credential-berth version answered ${version.status}: ${version.stdout}${version.stderr}`);
    // A lookup loads the keychain module from the package; without a Secret Service it must say so, not crash.
    const get = spawnSync('docker-credential-berth', ['get'], { encoding: 'utf8', env, input: 'registry.berth.test:5443\n' });
    if (get.status !== 1 || /Cannot find module|Error:|at .*\(/.test(get.stdout + get.stderr)) fail(`docker-credential-berth get answered ${get.status}: ${get.stdout}${get.stderr}`);
    console.log(`dist:check: resources/bin/docker-credential-berth answers through a link on PATH (version: ${version.stdout.trim()}; get without a keychain: ${get.stdout.trim().slice(0, 60)}…)`);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

const placeholder = mkdtempSync(nodePath.join(tmpdir(), 'berth-electron-dist-'));
const out = mkdtempSync(nodePath.join(tmpdir(), 'berth-dist-'));
try {
  // electron-builder copies this folder as the Electron runtime and renames its `electron` binary. The
  // placeholder carries a fuse wire with Electron 45's defaults behind the sentinel, as the real binary
  // does, so electron-builder's fuse step really runs on it.
  mkdirSync(placeholder, { recursive: true });
  const binary = nodePath.join(placeholder, 'electron');
  writeFileSync(binary, Buffer.concat([Buffer.from('#!/bin/sh\necho placeholder\nexit 0\n'), Buffer.from(SENTINEL), Buffer.from([1, ELECTRON_DEFAULT_FUSES.length]), Buffer.from(ELECTRON_DEFAULT_FUSES), Buffer.from('\n')]), { mode: 0o755 });
  // The wire must read back as Electron's defaults (RunAsNode on) before packaging, so the check after it
  // proves electron-builder flipped the fuses.
  if ((await getCurrentFuseWire(binary))[FuseV1Options.RunAsNode] !== ON) fail('the placeholder fuse wire does not read back');
  run(nodePath.join(root, 'node_modules', '.bin', 'electron-builder'), [
    '--linux', '--dir', '-c', 'electron-builder.yml', `-c.electronDist=${placeholder}`, `-c.directories.output=${out}`, '--publish', 'never',
  ]);
  const app = nodePath.join(out, 'linux-unpacked', 'resources', 'app.asar');
  if (!existsSync(app)) {
    console.error(`dist:check: ${app} was not produced`);
    process.exit(1);
  }
  const asar = spawnSync(process.execPath, [nodePath.join(root, 'node_modules', '@electron', 'asar', 'bin', 'asar.js'), 'list', app], { encoding: 'utf8' });
  const listing = asar.stdout ?? '';
  for (const needed of ['/dist-electron/main.cjs', '/dist-electron/preload.cjs', '/renderer/dist/index.html', '/package.json']) {
    if (!listing.split('\n').includes(needed)) {
      console.error(`dist:check: ${needed} is missing from app.asar:\n${listing || asar.stderr}`);
      process.exit(1);
    }
  }
  console.log(`dist:check: ok (${listing.split('\n').filter(Boolean).length} files in app.asar)`);
  await checkFuses(nodePath.join(out, 'linux-unpacked', 'berth-desktop'));
  checkCredentialHelper(nodePath.join(out, 'linux-unpacked'), app);
} finally {
  rmSync(placeholder, { recursive: true, force: true });
  rmSync(out, { recursive: true, force: true });
}

// The systemd unit for headless servers, where systemd's own checker is installed.
if (spawnSync('sh', ['-c', 'command -v systemd-analyze'], { encoding: 'utf8' }).status === 0) {
  run('systemd-analyze', ['verify', nodePath.join(root, 'electron', 'berth.service')]);
  console.log('dist:check: electron/berth.service verified by systemd-analyze');
} else {
  console.log('dist:check: systemd-analyze is not installed; electron/berth.service not verified');
}
