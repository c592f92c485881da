import { readFileSync } from 'node:fs';
import * as nodePath from 'node:path';
import { describe, expect, it } from 'vitest';
import { commandUsage, packageVersion } from '../../../server/commands/help.js';

const REPO_ROOT = nodePath.resolve(import.meta.dirname, '..', '..', '..');

const USAGE = `usage: berth <command> [options]

commands:
  serve   run the registry                     --root DIR
          with the proxy                        --proxy-addr HOST:PORT
  gc      remove unreferenced blobs            --dry-run
  service install or remove the unit           install [--user]
          (more)                               uninstall

berth help COMMAND
`;

describe('berth help COMMAND', () => {
  it("prints one command's line and its continuation lines, nothing of the next command", () => {
    expect(commandUsage(USAGE, 'serve')).toBe(
      'usage: berth serve [options]\n\n  serve   run the registry                     --root DIR\n          with the proxy                        --proxy-addr HOST:PORT\n',
    );
    expect(commandUsage(USAGE, 'gc')).toBe('usage: berth gc [options]\n\n  gc      remove unreferenced blobs            --dry-run\n');
    // The last command stops at the blank line before the footer.
    expect(commandUsage(USAGE, 'service')).toContain('(more)');
    expect(commandUsage(USAGE, 'service')).not.toContain('berth help COMMAND');
  });

  it('knows no command the overview does not list', () => {
    expect(commandUsage(USAGE, 'frob')).toBeUndefined();
    expect(commandUsage(USAGE, 'serv')).toBeUndefined();
  });

  it('reads the version from the package.json one folder above the CLI (server/ or dist/)', () => {
    const { version } = JSON.parse(readFileSync(nodePath.join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string };
    expect(packageVersion(nodePath.join(REPO_ROOT, 'server'))).toBe(version);
    expect(packageVersion(nodePath.join(REPO_ROOT, 'dist'))).toBe(version);
  });
});
