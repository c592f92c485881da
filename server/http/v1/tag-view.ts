import { isBerthError } from '../../errors/domain.js';
import { parseDigest } from '../../oci/digest.js';
import type { Store } from '../../storage/store.js';

/**
 * The v1 tags of a repository as one list over both protocols: v1 tags, and v2 tags whose image has a v1
 * id recorded (images tagged over v1 or imported from a tarball). Where both name a tag, the v2 tag wins:
 * a later v2 push moves the tag, and v1 clients should see where it went.
 */
export async function listV1Tags(store: Store, name: string): Promise<Map<string, string> | undefined> {
  const v1Known = await store.v1.hasRepository(name);
  const tags = await store.v1.listTags(name);
  let v2Tags: string[] | undefined;
  try {
    v2Tags = await store.repositories.listTags(name);
  } catch (err) {
    if (!isBerthError(err, 'repository-not-found')) throw err;
  }
  if (!v1Known && v2Tags === undefined) return undefined;
  for (const tag of v2Tags ?? []) {
    const id = await v1IdOfV2Tag(store, name, tag);
    if (id !== undefined) tags.set(tag, id);
  }
  return new Map([...tags].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** The v1 image id a v2 tag's image has, if any. */
export async function v1IdOfV2Tag(store: Store, name: string, tag: string): Promise<string | undefined> {
  const manifest = await store.repositories.getManifest(name, { tag });
  const config = manifest?.parsed.config;
  if (!config) return undefined;
  return store.v1.v1IdOfConfig(parseDigest(config.digest));
}

/** One tag: the v2 view first (see `listV1Tags`), then the v1 record. */
export async function resolveV1Tag(store: Store, name: string, tag: string): Promise<string | undefined> {
  return (await v1IdOfV2Tag(store, name, tag)) ?? (await store.v1.getTag(name, tag));
}
