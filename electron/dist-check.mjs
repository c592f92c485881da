/* global process, console */
// CI check of the packaging (npm run dist:check), offline: builds the bundles, then lets electron-builder
// validate electron-builder.yml and assemble an unpacked app around a placeholder Electron folder (no
// Electron download is possible here). Fails if the unpacked app lacks the bundles.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as nodePath from 'node:path';

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
const placeholder = mkdtempSync(nodePath.join(tmpdir(), 'berth-electron-dist-'));
const out = mkdtempSync(nodePath.join(tmpdir(), 'berth-dist-'));
try {
  // electron-builder copies this folder as the Electron runtime and renames its `electron` binary.
  mkdirSync(placeholder, { recursive: true });
  writeFileSync(nodePath.join(placeholder, 'electron'), '#!/bin/sh\necho placeholder\n', { mode: 0o755 });
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
