/**
 * Tag and repository names in the order people expect: numbers compare as numbers (v1.9.0 < v1.10.0,
 * build-2 < build-10), and two semantic versions compare as semver does, so a pre-release sorts before
 * its release (1.0.0-rc.1 < 1.0.0). Case is ignored first, then breaks ties so the order stays total.
 */
const collator = new Intl.Collator('en', { numeric: true, sensitivity: 'base' });
const SEMVER = /^v?(\d+)\.(\d+)\.(\d+)(?:-([0-9A-Za-z.-]+))?(?:\+[0-9A-Za-z.-]+)?$/;

function comparePrerelease(a: string | undefined, b: string | undefined): number {
  if (a === b) return 0;
  if (a === undefined) return 1; // a release comes after its pre-releases
  if (b === undefined) return -1;
  const pa = a.split('.');
  const pb = b.split('.');
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const x = pa[i];
    const y = pb[i];
    if (x === undefined) return -1;
    if (y === undefined) return 1;
    const nx = /^\d+$/.test(x);
    const ny = /^\d+$/.test(y);
    if (nx && ny && Number(x) !== Number(y)) return Number(x) - Number(y);
    if (nx !== ny) return nx ? -1 : 1;
    if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}

export function naturalCompare(a: string, b: string): number {
  const sa = SEMVER.exec(a);
  const sb = SEMVER.exec(b);
  if (sa && sb) {
    for (let i = 1; i <= 3; i++) {
      const d = Number(sa[i]) - Number(sb[i]);
      if (d !== 0) return d;
    }
    const pre = comparePrerelease(sa[4], sb[4]);
    if (pre !== 0) return pre;
  }
  return collator.compare(a, b) || (a < b ? -1 : a > b ? 1 : 0);
}
