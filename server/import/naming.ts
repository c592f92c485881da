import { archiveInvalid } from './limits.js';
import type { ArchiveImage } from './plan.js';
import { parseOverride, targetOf, untaggedRepository, type Target } from './references.js';

/** An image of the archive with everywhere it is going (one image may have several list elements). */
export interface NamedImage {
  readonly image: ArchiveImage;
  readonly targets: readonly Target[];
}

/**
 * Decides every image's repositories and tags before anything is written, so a naming problem refuses
 * the whole archive rather than leaving half of it imported. `tags[i]` (by position in the archive's
 * list) and `tag` (single-image archives) replace the archive's own names; an override without a tag
 * takes the archive's bare ref name, else `latest`. Unnamed images go to `imported/<short id>` by digest.
 */
export function nameImages(images: readonly ArchiveImage[], options: { tag?: string; tags?: Readonly<Record<number, string>> }): NamedImage[] {
  const distinct = new Set(images.map((i) => i.key)).size;
  if (options.tag !== undefined && distinct !== 1) {
    throw archiveInvalid(`the archive holds ${distinct} images; a single --tag can only name a single-image archive`);
  }
  for (const index of Object.keys(options.tags ?? {})) {
    if (!images.some((i) => String(i.index) === index)) throw archiveInvalid(`there is no image ${index} in the archive (it lists ${images.length})`);
  }
  const byKey = new Map<string, { image: ArchiveImage; targets: Map<string, Target> }>();
  for (const image of images) {
    const override = options.tags?.[image.index] ?? options.tag;
    let targets: Target[];
    if (override !== undefined) {
      const o = parseOverride(override);
      targets = [{ repository: o.repository, tag: o.tag ?? image.bareTag ?? 'latest' }];
    } else if (image.refs.length > 0) {
      targets = image.refs.map((r) => targetOf(r, `image ${image.index}`));
    } else if (image.bareTag !== undefined) {
      throw archiveInvalid(
        `image ${image.index} (${image.key}) is named only ${JSON.stringify(image.bareTag)} (org.opencontainers.image.ref.name), with no repository: give one with --tag REPOSITORY`,
      );
    } else {
      targets = [];
    }
    let entry = byKey.get(image.key);
    if (!entry) {
      entry = { image, targets: new Map() };
      byKey.set(image.key, entry);
    }
    for (const t of targets) entry.targets.set(`${t.repository}:${t.tag ?? ''}`, t);
  }
  // As with `docker load`, a tag named by several images goes to the last one; each tag then has one writer.
  const owner = new Map<string, string>();
  for (const [key, { targets }] of byKey) for (const [t, target] of targets) if (target.tag !== undefined) owner.set(t, key);
  return [...byKey.entries()].map(([key, { image, targets }]) => {
    const mine = [...targets.entries()].filter(([t, target]) => target.tag === undefined || owner.get(t) === key).map(([, target]) => target);
    return { image, targets: mine.length > 0 ? mine : targets.size > 0 ? [] : [{ repository: untaggedRepository(image.imageId ?? image.key) }] };
  });
}
