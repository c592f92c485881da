import { parseDigest, type Digest } from '../oci/digest.js';
import type { Store } from '../storage/store.js';
import { globMatcher, matchesAny, type CleanupRule } from './rules.js';

/** One thing a cleanup removes: a tag, or an untagged manifest (`tag` null). */
export interface CleanupItem {
  readonly repository: string;
  readonly tag: string | null;
  readonly digest: string;
  /** The rule that takes it (the first enabled rule that does, in the order of the rules). */
  readonly rule: string;
  /** When the tag was last pushed (its link written), or the manifest stored. */
  readonly pushedAt: string;
  /** Bytes only this item's removal frees: blobs no remaining manifest uses, each counted for one item. */
  readonly bytesFreed: number;
}

export interface CleanupPlan {
  readonly items: CleanupItem[];
  /** Blobs (manifests, configs, layers) no manifest that stays reaches: what gc can free afterwards. */
  readonly bytesFreed: number;
  readonly blobsFreed: number;
  /** Tags some rule would take but a protect pattern keeps. */
  readonly protectedTags: number;
}

interface TagInfo {
  readonly tag: string;
  readonly digest: Digest;
  readonly pushedAt: Date;
}

const DAY_MS = 24 * 60 * 60 * 1000;

/** What the enabled rules remove now: nothing is changed (every run, dry or not, starts with this plan). */
export async function planCleanup(store: Store, rules: readonly CleanupRule[], now: Date = new Date()): Promise<CleanupPlan> {
  const active = rules.filter((r) => r.enabled);
  const items: Omit<CleanupItem, 'bytesFreed'>[] = [];
  let protectedTags = 0;
  for (const repository of await store.repositories.listRepositories()) {
    const applying = active.filter((r) => globMatcher(r.repositories)(repository));
    if (applying.length === 0) continue;
    const tags = await tagInfos(store, repository);
    const protect = applying.flatMap((r) => r.protect);
    const taken = new Map<string, string>();
    for (const rule of applying) {
      for (const t of tagsRuleTakes(rule, tags, now)) {
        if (matchesAny(protect, t.tag)) protectedTags++;
        else if (!taken.has(t.tag)) taken.set(t.tag, rule.id);
      }
    }
    for (const t of tags) {
      const rule = taken.get(t.tag);
      if (rule) items.push({ repository, tag: t.tag, digest: t.digest.value, rule, pushedAt: t.pushedAt.toISOString() });
    }
    const untaggedRule = applying.find((r) => r.untagged);
    if (untaggedRule) {
      for (const m of await store.repositories.listUntagged(repository)) {
        const info = await store.blobs.stat(m.digest);
        items.push({ repository, tag: null, digest: m.digest.value, rule: untaggedRule.id, pushedAt: (info?.modifiedAt ?? now).toISOString() });
      }
    }
  }
  return { ...(await freedBytes(store, items)), protectedTags };
}

/**
 * What deleting these tags of one repository would free (the console's bulk delete confirms with it): each
 * tag with the bytes only it frees, and the total, counted as a cleanup plan counts them.
 */
export async function planTagDeletion(store: Store, repository: string, tags: readonly string[]): Promise<CleanupPlan> {
  const wanted = new Set(tags);
  const items = (await tagInfos(store, repository))
    .filter((t) => wanted.has(t.tag))
    .map((t) => ({ repository, tag: t.tag, digest: t.digest.value, rule: 'selected', pushedAt: t.pushedAt.toISOString() }));
  return { ...(await freedBytes(store, items)), protectedTags: 0 };
}

/** The tags one rule takes, before protection. */
function tagsRuleTakes(rule: CleanupRule, tags: readonly TagInfo[], now: Date): TagInfo[] {
  const selected = rule.match.length > 0 ? tags.filter((t) => matchesAny(rule.match, t.tag)) : [...tags];
  if (rule.keepNewest === null && rule.olderThanDays === null) return rule.match.length > 0 ? selected : [];
  const newestFirst = selected.sort((a, b) => b.pushedAt.getTime() - a.pushedAt.getTime() || (a.tag < b.tag ? -1 : 1));
  return newestFirst.filter((t, i) => {
    const beyondNewest = rule.keepNewest === null || i >= rule.keepNewest;
    const old = rule.olderThanDays === null || now.getTime() - t.pushedAt.getTime() > rule.olderThanDays * DAY_MS;
    return beyondNewest && old;
  });
}

async function tagInfos(store: Store, repository: string): Promise<TagInfo[]> {
  const out: TagInfo[] = [];
  for (const tag of await store.repositories.listTags(repository).catch(() => [] as string[])) {
    const [digest, pushedAt] = await Promise.all([store.repositories.resolveTag(repository, tag).catch(() => undefined), store.repositories.tagLinkedAt(repository, tag)]);
    if (digest && pushedAt) out.push({ tag, digest, pushedAt });
  }
  return out;
}

/**
 * Honest space: walks what stays (every tag the plan keeps, every untagged manifest it does not take, their
 * children and referrers, the v1 layers) and what goes; a blob counts only when nothing that stays reaches it,
 * once, for the first item (in plan order) that reaches it.
 */
async function freedBytes(store: Store, planned: Omit<CleanupItem, 'bytesFreed'>[]): Promise<Omit<CleanupPlan, 'protectedTags'>> {
  const kept = new Set<string>();
  for await (const d of store.v1.referencedBlobs()) kept.add(d.value);
  const goneTags = new Set(planned.filter((i) => i.tag !== null).map((i) => `${i.repository}\0${i.tag}`));
  // A manifest whose tag goes, or an untagged one the plan takes, is gone unless something that stays reaches it.
  const gone = new Set(planned.map((i) => `${i.repository}\0${i.digest}`));
  const repositories = new Set(planned.map((i) => i.repository));
  for (const repository of await store.repositories.listRepositories()) {
    const roots: Digest[] = [];
    for (const t of await tagInfos(store, repository)) if (!goneTags.has(`${repository}\0${t.tag}`)) roots.push(t.digest);
    if (repositories.has(repository)) {
      // Other untagged manifests are not the rules' doing: they count as staying (gc decides about them).
      for (const d of await store.repositories.listRevisions(repository)) if (!gone.has(`${repository}\0${d.value}`)) roots.push(d);
    } else {
      roots.push(...(await store.repositories.listRevisions(repository)));
    }
    await reachFrom(store, repository, roots, kept);
  }
  const counted = new Set<string>();
  const items: CleanupItem[] = [];
  let bytesFreed = 0;
  for (const item of planned) {
    // An untagged child of a tagged index (or referrer of a kept image) is not the rule's to take: gc keeps it.
    if (item.tag === null && kept.has(item.digest)) continue;
    const reached = new Set<string>();
    await reachFrom(store, item.repository, [parseDigest(item.digest)], reached, kept);
    let bytes = 0;
    for (const d of reached) {
      if (kept.has(d) || counted.has(d)) continue;
      counted.add(d);
      bytes += (await store.blobs.stat(parseDigest(d)))?.size ?? 0;
    }
    bytesFreed += bytes;
    items.push({ ...item, bytesFreed: bytes });
  }
  return { items, bytesFreed, blobsFreed: counted.size };
}

/** Adds to `into` every blob a manifest in `roots` reaches in `repository` (children, referrers), stopping at `stop`. */
export async function reachFrom(store: Store, repository: string, roots: Digest[], into: Set<string>, stop: ReadonlySet<string> = new Set()): Promise<void> {
  const seen = new Set<string>();
  const queue = [...roots];
  while (queue.length > 0) {
    const digest = queue.pop() as Digest;
    if (seen.has(digest.value)) continue;
    seen.add(digest.value);
    into.add(digest.value);
    if (stop.has(digest.value)) continue;
    const stored = await store.repositories.readManifest(digest);
    if (stored) {
      for (const d of stored.parsed.blobs) into.add(d.digest);
      for (const d of stored.parsed.children) queue.push(parseDigest(d.digest));
    }
    for (const r of await store.repositories.referrers(repository, digest)) queue.push(parseDigest(r.digest));
  }
}
