import { isBerthError } from '../../errors/domain.js';
import type { V1Context } from './context.js';

type TagContext = Pick<V1Context, 'store' | 'images'>;

/**
 * The v1 tags of a repository as one list over both protocols: v1 tags, and every v2 tag whose image has a
 * v1 form (a v1 id recorded for it, or derived from its config: see `storage/v1-derived.ts`). Where both
 * name a tag, the v2 tag wins: a later v2 push moves the tag, and v1 clients should see where it went.
 */
export async function listV1Tags({ store, images }: TagContext, name: string): Promise<Map<string, string> | undefined> {
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
    const id = await images.idOfTag(name, tag);
    if (id !== undefined) tags.set(tag, id);
  }
  return new Map([...tags].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** The v1 image id of a v2 tag's image, if it has a v1 form. */
export function v1IdOfV2Tag({ images }: TagContext, name: string, tag: string): Promise<string | undefined> {
  return images.idOfTag(name, tag);
}

/** One tag: the v2 view first (see `listV1Tags`), then the v1 record. */
export async function resolveV1Tag(ctx: TagContext, name: string, tag: string): Promise<string | undefined> {
  return (await v1IdOfV2Tag(ctx, name, tag)) ?? (await ctx.store.v1.getTag(name, tag));
}
