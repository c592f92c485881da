import { parseArgs, type ParseArgsConfig } from 'node:util';
import { resolveConfig, type BerthConfig, type ConfigLayer } from '../config.js';

/** The storage/config flags every command that opens the store accepts (`serve`, `gc`, `import`). */
export const STORAGE_OPTIONS = {
  root: { type: 'string' },
  config: { type: 'string' },
} as const satisfies ParseArgsConfig['options'];

export class UsageError extends Error {}

/** Parses argv strictly: an unknown flag is a usage error, not something silently ignored. */
export function parseCommandArgs<O extends NonNullable<ParseArgsConfig['options']>>(args: string[], options: O, allowPositionals = false) {
  try {
    return parseArgs({ args, options, allowPositionals, strict: true });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

export function configFromFlags(values: { root?: string; config?: string }, extra: ConfigLayer = {}): BerthConfig {
  const flags: ConfigLayer = { ...extra };
  if (values.root !== undefined) flags.storage = { path: values.root };
  return resolveConfig({ file: values.config, flags });
}
