import { parseDigest } from '../oci/digest.js';
import type { Store } from '../storage/store.js';
import type { ReferrerBadge, TagSummary } from './types.js';

/** What a referrer's artifact type says it is; undefined: something else (left without a badge). */
export function badgeOf(artifactType: string): ReferrerBadge | undefined {
  const t = artifactType.toLowerCase();
  if (/cosign.*sig|notary\.signature|sigstore\.bundle|\bsignature\b/.test(t)) return 'signed';
  if (/spdx|cyclonedx|sbom|syft/.test(t)) return 'sbom';
  if (/in-toto|attestation|provenance|slsa|vex/.test(t)) return 'attestation';
  return undefined;
}

/** cosign without OCI 1.1 referrers tags what it attaches as `sha256-HEX.sig`, `.att` and `.sbom`. */
const COSIGN_SUFFIX: Record<string, ReferrerBadge> = { sig: 'signed', att: 'attestation', sbom: 'sbom' };

/**
 * Adds to each tag of a page what is attached to its digest: referrers (OCI 1.1) and cosign's tag scheme.
 * Per page, not per repository: a page is at most a few hundred tags, read once per digest.
 */
export async function withBadges(store: Store, repository: string, tags: TagSummary[]): Promise<TagSummary[]> {
  const names = new Set(await store.repositories.listTags(repository).catch(() => [] as string[]));
  const byDigest = new Map<string, ReferrerBadge[]>();
  for (const digest of new Set(tags.map((t) => t.digest))) {
    const badges = new Set<ReferrerBadge>();
    const referrers = await store.repositories.referrers(repository, parseDigest(digest)).catch(() => []);
    for (const r of referrers) {
      const badge = badgeOf(r.artifactType ?? r.mediaType);
      if (badge) badges.add(badge);
    }
    const prefix = digest.replace(':', '-');
    for (const [suffix, badge] of Object.entries(COSIGN_SUFFIX)) if (names.has(`${prefix}.${suffix}`)) badges.add(badge);
    byDigest.set(digest, [...badges].sort());
  }
  return tags.map((t) => {
    const badges = byDigest.get(t.digest) ?? [];
    return badges.length ? { ...t, badges } : t;
  });
}
