// Bundles the Electron main process and the preload into dist-electron/ (npm run build:main).
// Main: one CommonJS file with all of server/ inside (Electron loads no TypeScript). Preload: a
// sandboxed preload cannot require anything but 'electron', so it is one self-contained CommonJS file.
import { build } from 'esbuild';
import { rm } from 'node:fs/promises';
import * as nodePath from 'node:path';

const root = nodePath.resolve(import.meta.dirname, '..');
const out = nodePath.join(root, 'dist-electron');
await rm(out, { recursive: true, force: true });

const common = {
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node22',
  sourcemap: 'linked',
  // The keychain is a native N-API module: it ships beside the bundle in node_modules.
  external: ['electron', '@napi-rs/keyring'],
  logLevel: 'info',
  legalComments: 'none',
};

await Promise.all([
  build({
    ...common,
    // entry.ts answers `--credential-helper` calls before it loads the app (and Electron) lazily.
    entryPoints: [nodePath.join(root, 'electron', 'main', 'entry.ts')],
    outfile: nodePath.join(out, 'main.cjs'),
    // server/ is ESM and uses import.meta.url (createRequire); give the CommonJS bundle the same value.
    define: { 'import.meta.url': '__berthImportMetaUrl', 'import.meta.dirname': '__dirname' },
    banner: { js: 'const __berthImportMetaUrl = require("node:url").pathToFileURL(__filename).href;' },
  }),
  build({
    ...common,
    entryPoints: [nodePath.join(root, 'electron', 'preload', 'index.ts')],
    outfile: nodePath.join(out, 'preload.cjs'),
    platform: 'browser',
    // Sandboxed preloads run in a Chromium renderer with a limited require: nothing of Node's may be bundled.
    external: ['electron'],
  }),
]);
