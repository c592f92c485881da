import { BerthError } from '../errors/domain.js';

/**
 * The distribution grammar for repository names: lowercase components separated by `/`, each made of
 * alphanumerics joined by `.`, `_`, `__` or runs of `-`. Because no component can be `.`, `..`, empty or
 * start with `_`, a valid name can be used as a storage path and cannot clash with Berth's own `_…` folders.
 */
const COMPONENT = '[a-z0-9]+(?:(?:\\.|_|__|-+)[a-z0-9]+)*';
const NAME = new RegExp(`^${COMPONENT}(?:/${COMPONENT})*$`);
const TAG = /^[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}$/;

export const MAX_NAME_LENGTH = 255;

export function isValidName(name: string): boolean {
  return name.length > 0 && name.length <= MAX_NAME_LENGTH && NAME.test(name);
}

export function assertName(name: string): string {
  if (!isValidName(name)) {
    const why = name.length > MAX_NAME_LENGTH ? `longer than ${MAX_NAME_LENGTH} characters` : 'must be lowercase path components of [a-z0-9] joined by ".", "_", "__" or "-"';
    throw new BerthError('name-invalid', `invalid repository name ${JSON.stringify(name.slice(0, 100))}: ${why}`, { name: name.slice(0, 300) });
  }
  return name;
}

export function isValidTag(tag: string): boolean {
  return TAG.test(tag);
}

export function assertTag(tag: string): string {
  if (!isValidTag(tag)) {
    throw new BerthError('tag-invalid', `invalid tag ${JSON.stringify(tag.slice(0, 140))}: must match [a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}`, { tag: tag.slice(0, 300) });
  }
  return tag;
}
