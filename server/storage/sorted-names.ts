// Byte-ordered arrays of names (the catalog's, a page of a sorted list): found by binary search.

/** Index of the first name strictly after `after` in a byte-ordered array. */
export function firstAfter(names: readonly string[], after: string): number {
  let lo = 0;
  let hi = names.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((names[mid] as string) <= after) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Adds or removes `name` in a byte-ordered array, keeping the order. */
export function setPresence(names: string[], name: string, present: boolean): void {
  const at = firstAfter(names, name);
  const has = at > 0 && names[at - 1] === name;
  if (present && !has) names.splice(at, 0, name);
  else if (!present && has) names.splice(at - 1, 1);
}
