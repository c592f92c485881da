// The layering rules in eslint.config.js, proven: for each, eslint is fed a forbidden import in a file of that layer
// (and must report it) and an allowed one (and must not). The files need not exist: lintText lints the code as if
// it lived at filePath, so the config's per-folder blocks apply exactly as they do to the tree.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';
import { beforeAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));
const RULE = '@typescript-eslint/no-restricted-imports';

let eslint: ESLint;
beforeAll(() => {
  eslint = new ESLint({ cwd: root, overrideConfigFile: join(root, 'eslint.config.js') });
});

/** The layering findings for `code` placed at `file` (repository-relative); every other rule's findings fail the test. */
async function layering(file: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: join(root, file) });
  const others = result!.messages.filter((m) => m.ruleId !== RULE);
  expect(others).toEqual([]);
  return result!.messages.filter((m) => m.ruleId === RULE).map((m) => m.message);
}

describe('the renderer takes only types from electron/shared', () => {
  const file = 'renderer/src/pages/example/Example.tsx';

  it('rejects a run-time import from electron/shared', async () => {
    const found = await layering(file, "import { BRIDGE_ERRORS } from '../../../../electron/shared/bridge.js';\nexport const codes = BRIDGE_ERRORS;\n");
    expect(found).toEqual([expect.stringContaining('only types from electron/shared')]);
  });

  it('accepts a type import from electron/shared', async () => {
    expect(await layering(file, "import type { BerthApi } from '../../../../electron/shared/bridge.js';\nexport type Api = BerthApi;\n")).toEqual([]);
  });

  it('accepts the method list, and only it, at run time', async () => {
    expect(await layering('renderer/src/api/http-transport.ts', "import { METHODS } from '../../../electron/shared/methods.js';\nexport const names = METHODS;\n")).toEqual([]);
    for (const spec of ['channels.js', 'bridge-codes.js', 'methods-extra.js', 'lists/methods.js']) {
      const found = await layering('renderer/src/api/http-transport.ts', `import { x } from '../../../electron/shared/${spec}';\nexport const y = x;\n`);
      expect(found, spec).toEqual([expect.stringContaining('only types from electron/shared')]);
    }
  });

  it('keeps that method list free of imports, so nothing else rides along into the UI', () => {
    const source = readFileSync(join(root, 'electron/shared/methods.ts'), 'utf8');
    expect(source).toContain('export const METHODS');
    expect(source.match(/^\s*(import|export\s[^=]*\sfrom)\b|\brequire\(|\bimport\(/gm)).toBeNull();
  });

  it('rejects even a type import from the rest of electron/', async () => {
    const found = await layering(file, "import type { MainPorts } from '../../../../electron/main/ports.js';\nexport type Ports = MainPorts;\n");
    expect(found).toEqual([expect.stringContaining('must not import electron/')]);
  });

  it('rejects the electron module itself', async () => {
    const found = await layering('renderer/src/api/client.ts', "import { ipcRenderer } from 'electron';\nexport const ipc = ipcRenderer;\n");
    expect(found).toEqual([expect.stringContaining('must not import electron/')]);
  });

  it('rejects server/, types included', async () => {
    const found = await layering(file, "import type { BerthConfig } from '../../../../server/config.js';\nexport type Config = BerthConfig;\n");
    expect(found).toEqual([expect.stringContaining('must not import server/')]);
  });

  it('accepts its own modules and its libraries', async () => {
    const code = "import { useState } from 'react';\nimport { api } from '../../api/client.js';\nexport const parts = [useState, api];\n";
    expect(await layering(file, code)).toEqual([]);
  });
});

describe('electron/os never imports electron', () => {
  const file = 'electron/os/keychain/example.ts';

  it('rejects electron, even as types', async () => {
    const found = await layering(file, "import type { App } from 'electron';\nexport type Host = App;\n");
    expect(found).toEqual([expect.stringContaining('electron/os talks to the operating system only')]);
  });

  it('accepts Node and its own modules', async () => {
    const code = "import { execFile } from 'node:child_process';\nimport { run } from '../exec.js';\nexport const parts = [execFile, run];\n";
    expect(await layering(file, code)).toEqual([]);
  });
});

describe('only electron/main and electron/preload load electron at run time', () => {
  it('rejects a run-time import of electron elsewhere in electron/', async () => {
    const found = await layering('electron/services/example.ts', "import { app } from 'electron';\nexport const host = app;\n");
    expect(found).toEqual([expect.stringContaining('Only electron/main and electron/preload load `electron`')]);
  });

  it('accepts a type import of electron elsewhere in electron/', async () => {
    expect(await layering('electron/services/example.ts', "import type { App } from 'electron';\nexport type Host = App;\n")).toEqual([]);
  });

  it('accepts a run-time import of electron in electron/main and electron/preload', async () => {
    expect(await layering('electron/main/example.ts', "import { app } from 'electron';\nexport const host = app;\n")).toEqual([]);
    expect(await layering('electron/preload/example.ts', "import { contextBridge } from 'electron';\nexport const bridge = contextBridge;\n")).toEqual([]);
  });
});

describe('nobody imports server/commands but the CLI', () => {
  const commands = 'server/commands/ is the CLI\'s edge';

  it('rejects it from electron/', async () => {
    for (const file of ['electron/services/example.ts', 'electron/main/example.ts', 'electron/os/example.ts']) {
      const found = await layering(file, "import { openStore } from '../../server/commands/serve.js';\nexport const open = openStore;\n");
      expect(found, file).toEqual([expect.stringContaining(commands)]);
    }
  });

  it('rejects it from the rest of server/', async () => {
    const found = await layering('server/http/example.ts', "import { openStore } from '../commands/serve.js';\nexport const open = openStore;\n");
    expect(found).toEqual([expect.stringContaining(commands)]);
    const near = await layering('server/example.ts', "import { openStore } from './commands/serve.js';\nexport const open = openStore;\n");
    expect(near).toEqual([expect.stringContaining(commands)]);
  });

  it('accepts it from server/cli.ts and between the commands', async () => {
    expect(await layering('server/cli.ts', "import { gcCommand } from './commands/gc.js';\nexport const gc = gcCommand;\n")).toEqual([]);
    expect(await layering('server/commands/example.ts', "import { openStore } from './serve.js';\nexport const open = openStore;\n")).toEqual([]);
  });

  it('accepts the runtime it drives from the rest of server/', async () => {
    expect(await layering('electron/services/example.ts', "import { collectGarbage } from '../../server/storage/gc.js';\nexport const gc = collectGarbage;\n")).toEqual([]);
  });
});

describe('server/ knows nothing of the app', () => {
  it('rejects electron/, electron and renderer/', async () => {
    for (const spec of ['../../electron/shared/bridge.js', 'electron', '../../renderer/src/api/client.js']) {
      const found = await layering('server/http/example.ts', `import { x } from '${spec}';\nexport const y = x;\n`);
      expect(found, spec).toEqual([expect.stringContaining('server/ is a standalone registry')]);
    }
  });

  it('accepts its own modules', async () => {
    expect(await layering('server/http/example.ts', "import { collectGarbage } from '../storage/gc.js';\nexport const gc = collectGarbage;\n")).toEqual([]);
  });
});

describe('only server/storage/ knows the storage layout', () => {
  const layout = 'Only server/storage/ knows the storage layout';

  it('rejects paths.ts from the rest of server/, the CLI and electron/', async () => {
    const cases: [string, string][] = [
      ['server/http/v2/example.ts', '../../storage/paths.js'],
      ['server/catalog/example.ts', '../storage/paths.js'],
      ['server/commands/example.ts', '../storage/paths.js'],
      ['electron/services/example.ts', '../../server/storage/paths.js'],
      ['electron/main/example.ts', '../../server/storage/paths.js'],
    ];
    for (const [file, spec] of cases) {
      const found = await layering(file, `import { paths } from '${spec}';\nexport const layout = paths;\n`);
      expect(found, file).toEqual([expect.stringContaining(layout)]);
    }
  });

  it('accepts it inside server/storage/, and the store from anywhere in server/', async () => {
    expect(await layering('server/storage/example.ts', "import { paths } from './paths.js';\nexport const layout = paths;\n")).toEqual([]);
    expect(await layering('server/catalog/example.ts', "import type { Store } from '../storage/store.js';\nexport type S = Store;\n")).toEqual([]);
  });
});
