import { digestOf } from './digest.js';

/**
 * v1 image ids and JSON for a v2 image, derived the way Docker's own v1 compatibility does it (moby
 * `image/v1/imagev1.go` `CreateID`, as `docker save` calls it in `image/tarexport/save.go`): layer i of the
 * image becomes one v1 image whose id is the sha256 of the JSON of its v1 config with the `id` removed,
 * `layer_id` set to the chain id of layers 0..i and `parent` set to the previous v1 image's id
 * (`sha256:<hex>`). Only the top layer's v1 config carries the image's settings (its `V1Image` fields); every
 * layer below it has the v1 config `{"created": "1970-01-01T00:00:00Z"}`, so images built on the same base
 * share their base's v1 ids.
 *
 * The id is a pure function of the config and the layers' diff ids, so it is the same on every start and
 * in every worker, with nothing stored. The JSON that is hashed is canonical (keys sorted at every level,
 * no whitespace): where moby hashes Go's encoding of its structs, Berth hashes the config's own fields,
 * so the scheme is Docker's but the ids are Berth's (they need not, and do not, equal an engine's).
 */

export const V1_EPOCH = '1970-01-01T00:00:00Z';

/** The fields of moby's `V1Image` an image config carries (`id` and `parent` are set per layer instead). */
const V1_IMAGE_FIELDS = ['comment', 'created', 'container', 'container_config', 'docker_version', 'author', 'config', 'architecture', 'variant', 'os', 'Size'] as const;

/** One layer of a v2 image as a v1 image. */
export interface V1CompatImage {
  /** 64 hex characters. */
  readonly id: string;
  readonly parent?: string;
  /** What `GET /v1/images/<id>/json` serves: `id`, `parent`, then the v1 config. */
  readonly json: Buffer;
  readonly diffId: string;
  readonly chainId: string;
}

/** OCI chain ids: the first is the first diff id, each next one is sha256 of `"<previous chain id> <diff id>"`. */
export function chainIds(diffIds: readonly string[]): string[] {
  const out: string[] = [];
  for (const diffId of diffIds) {
    const previous = out[out.length - 1];
    out.push(previous === undefined ? diffId : digestOf(`${previous} ${diffId}`).value);
  }
  return out;
}

/** JSON with the keys of every object sorted (by UTF-16 code units, as JavaScript compares) and no whitespace. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map((v) => canonicalJson(v === undefined ? null : v)).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** The top layer's v1 config: the `V1Image` fields present (and not null) in the image config. */
export function topV1Config(config: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const field of V1_IMAGE_FIELDS) {
    if (config[field] !== undefined && config[field] !== null) out[field] = config[field];
  }
  return out;
}

/** The v1 images of an image, root first; `diffIds` are its `rootfs.diff_ids`, one per layer. */
export function v1CompatChain(config: Readonly<Record<string, unknown>>, diffIds: readonly string[]): V1CompatImage[] {
  const chain = chainIds(diffIds);
  const out: V1CompatImage[] = [];
  let parent: string | undefined;
  diffIds.forEach((diffId, i) => {
    const chainId = chain[i] as string;
    const v1Config = i === diffIds.length - 1 ? topV1Config(config) : { created: V1_EPOCH };
    const hashed = { ...v1Config, layer_id: chainId, ...(parent !== undefined ? { parent: `sha256:${parent}` } : {}) };
    const id = digestOf(canonicalJson(hashed)).hex;
    const json = Buffer.from(JSON.stringify({ id, ...(parent !== undefined ? { parent } : {}), ...v1Config }));
    out.push({ id, ...(parent !== undefined ? { parent } : {}), json, diffId, chainId });
    parent = id;
  });
  return out;
}
