import { parseDigest, type Digest } from '../oci/digest.js';
import type { Store } from './store.js';

/** Why a blob stays. `untagged-recent`: only untagged manifests still in their grace period use it. */
export type KeepReason = 'referenced' | 'v1' | 'untagged' | 'untagged-recent' | 'recent';

/** An untagged manifest the sweep removes (or would), or keeps until `reclaimableAt`. */
export interface UntaggedManifest {
  readonly repository: string;
  readonly digest: Digest;
  readonly size: number;
  /** The token of the manifest's `used` mark when it was judged (see `gc.ts`). */
  readonly token: string | undefined;
  /** Undefined: removable now. */
  readonly reclaimableAt?: Date | undefined;
}

export interface MarkResult {
  /** Blob digest → why it is kept, and when it may go (for blobs kept only by young untagged manifests). */
  readonly marked: Map<string, { reason: KeepReason; reclaimableAt?: Date | undefined }>;
  /** Untagged manifests past their grace period: removed by the sweep (only with `deleteUntagged`). */
  readonly removable: UntaggedManifest[];
  /** Untagged manifests still in their grace period. */
  readonly pending: UntaggedManifest[];
}

/**
 * The mark phase. Roots are the v1 image layers and, per repository, either every manifest revision, or
 * (`deleteUntagged`) the tagged manifests, the children of the indexes among them and the referrers
 * (signatures, SBOMs, attestations) of anything kept, plus untagged manifests still in the grace period
 * (a multi-arch push stores its children untagged before the index that names them).
 */
export async function mark(store: Store, options: { deleteUntagged: boolean; now: Date; graceMs: number }): Promise<MarkResult> {
  const marked: MarkResult['marked'] = new Map();
  const removable: UntaggedManifest[] = [];
  const pending: UntaggedManifest[] = [];
  const repos = store.repositories;

  const markBlob = (digest: string, reason: KeepReason, reclaimableAt?: Date): void => {
    const had = marked.get(digest);
    if (!had || rank(reason) < rank(had.reason)) marked.set(digest, { reason, reclaimableAt });
    else if (had.reason === reason && had.reclaimableAt && reclaimableAt && reclaimableAt > had.reclaimableAt) marked.set(digest, { reason, reclaimableAt });
  };

  for await (const digest of store.v1.referencedBlobs()) markBlob(digest.value, 'v1');

  for (const name of await repos.listRepositories()) {
    const revisions = await repos.listRevisions(name);
    /** Walks from `roots` through children and referrers within this repository; returns what it reached. */
    const closure = async (roots: Digest[], reason: KeepReason, reclaimableAt?: Date, seen = new Set<string>()): Promise<Set<string>> => {
      const queue = [...roots];
      while (queue.length > 0) {
        const digest = queue.pop() as Digest;
        if (seen.has(digest.value)) continue;
        seen.add(digest.value);
        markBlob(digest.value, reason, reclaimableAt);
        const stored = await repos.readManifest(digest);
        if (stored) {
          for (const d of stored.parsed.blobs) markBlob(d.digest, reason, reclaimableAt);
          for (const d of stored.parsed.children) queue.push(parseDigest(d.digest));
        }
        for (const referrer of await repos.referrers(name, digest)) queue.push(parseDigest(referrer.digest));
      }
      return seen;
    };

    if (!options.deleteUntagged) {
      const tagged = await closure(await tagTargets(store, name), 'referenced');
      await closure(revisions.filter((d) => !tagged.has(d.value)), 'untagged', undefined, tagged);
      continue;
    }
    const kept = await closure(await tagTargets(store, name), 'referenced');
    const young: UntaggedManifest[] = [];
    for (const digest of revisions) {
      if (kept.has(digest.value)) continue;
      const judged = await judgeManifest(store, name, digest, options);
      if (judged.reclaimableAt) young.push(judged);
      else removable.push(judged);
    }
    // A young untagged manifest keeps what it reaches (an older untagged child, a referrer) until it may go.
    for (const manifest of young) {
      const reached = await closure([manifest.digest], 'untagged-recent', manifest.reclaimableAt, new Set(kept));
      for (const d of reached) kept.add(d);
      pending.push(manifest);
    }
    for (let i = removable.length - 1; i >= 0; i--) {
      const candidate = removable[i] as UntaggedManifest;
      if (candidate.repository === name && kept.has(candidate.digest.value)) {
        removable.splice(i, 1);
        pending.push({ ...candidate, reclaimableAt: latestReclaim(young) });
      }
    }
  }
  return { marked, removable, pending };
}

const RANK: Record<KeepReason, number> = { v1: 0, referenced: 1, untagged: 2, 'untagged-recent': 3, recent: 4 };
const rank = (reason: KeepReason): number => RANK[reason];

const latestReclaim = (manifests: UntaggedManifest[]): Date | undefined =>
  manifests.reduce<Date | undefined>((latest, m) => (m.reclaimableAt && (!latest || m.reclaimableAt > latest) ? m.reclaimableAt : latest), undefined);

async function tagTargets(store: Store, name: string): Promise<Digest[]> {
  const out: Digest[] = [];
  for (const tag of await store.repositories.listTags(name).catch(() => [] as string[])) {
    const target = await store.repositories.resolveTag(name, tag).catch(() => undefined);
    if (target) out.push(target);
  }
  return out;
}

/** An untagged manifest's age is its bytes' last use: any push of the same manifest renews it. */
async function judgeManifest(store: Store, name: string, digest: Digest, options: { now: Date; graceMs: number }): Promise<UntaggedManifest> {
  const info = await store.blobs.stat(digest);
  const used = await store.blobs.usedMark(digest);
  const lastUsed = Math.max(info?.modifiedAt.getTime() ?? 0, used?.at.getTime() ?? 0);
  const young = options.now.getTime() - lastUsed < options.graceMs;
  return {
    repository: name,
    digest,
    size: info?.size ?? 0,
    token: used?.token,
    ...(young ? { reclaimableAt: new Date(lastUsed + options.graceMs) } : {}),
  };
}
