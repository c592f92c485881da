import { readFileSync } from 'node:fs';
import * as nodePath from 'node:path';

/**
 * `berth help CMD` and `berth CMD --help`: the part of the overview that describes one command (its own
 * line and the indented lines under it), so the overview stays the one place each command is described.
 */
export function commandUsage(usage: string, command: string): string | undefined {
  const lines = usage.split('\n');
  const start = lines.findIndex((line) => line.startsWith(`  ${command} `));
  if (start < 0) return undefined;
  const own = [lines[start] as string];
  for (const line of lines.slice(start + 1)) {
    // Continuation lines are indented past the command column; the next command or a blank line ends it.
    if (!/^ {4,}\S/.test(line)) break;
    own.push(line);
  }
  return `usage: berth ${command} [options]\n\n${own.join('\n')}\n`;
}

/**
 * The version in package.json. `cliDir` is the folder of server/cli.ts or of its bundle (dist/): the
 * package's root is one level up from either.
 */
export function packageVersion(cliDir: string): string {
  const file = nodePath.resolve(cliDir, '..', 'package.json');
  return (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version;
}
