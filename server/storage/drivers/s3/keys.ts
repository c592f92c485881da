import { BerthError } from '../../../errors/domain.js';

/**
 * Store paths become object keys under an optional prefix. Object stores take `..` and `//` literally, so a
 * hostile path could not climb out of the prefix, but it would name a different object than the local driver
 * would: refuse the same paths the local driver refuses, so both drivers behave the same.
 */
export function assertSafePath(path: string): void {
  const unsafe =
    path.length === 0 || path.startsWith('/') || path.includes('\\') || path.includes('\0') || path.split('/').some((part) => part === '' || part === '.' || part === '..');
  if (unsafe) throw new BerthError('storage', `s3: refusing unsafe path ${JSON.stringify(path)}`);
}

/** `""`, `"a"` or `"a/b/"` (any slashes trimmed) becomes `""`, `"a/"` or `"a/b/"`. */
export function normalizePrefix(prefix: string | undefined): string {
  const trimmed = (prefix ?? '').replace(/^\/+|\/+$/g, '');
  if (trimmed.split('/').some((part) => part === '.' || part === '..')) throw new BerthError('storage', `s3: invalid prefix ${JSON.stringify(prefix)}`);
  return trimmed === '' ? '' : `${trimmed}/`;
}

export class KeyMapper {
  constructor(readonly prefix: string) {}

  /** The object key of a file. */
  file(path: string): string {
    assertSafePath(path);
    return this.prefix + path;
  }

  /** The key prefix of everything inside a folder (ends with `/`, so `a/b` never matches `a/bc`). */
  folder(path: string): string {
    return `${this.file(path)}/`;
  }
}
