import { parseDigest } from '../oci/digest.js';
import type { Descriptor } from '../oci/manifest.js';
import type { Store } from '../storage/store.js';
import type { Healthcheck, HistoryEntry, ImageConfigSummary } from './types.js';

/** What the catalog keeps per manifest digest. A digest fixes the content, so facts never go stale. */
export interface ManifestFacts {
  readonly mediaType: string;
  /** config + layers for an image; the sum over its children for an index. */
  readonly sizeBytes: number;
  readonly created: string | null;
  readonly platforms: string[];
  /** Blob digest -> size of everything this manifest makes the repository hold (children included). */
  readonly blobs: ReadonlyMap<string, number>;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);

export function platformOf(p: Descriptor['platform'] | { os?: unknown; architecture?: unknown; variant?: unknown } | undefined): string {
  if (!p) return 'unknown';
  const parts = [str(p.os) ?? 'unknown', str(p.architecture) ?? 'unknown'];
  const variant = str(p.variant);
  if (variant) parts.push(variant);
  return parts.join('/');
}

/** HEALTHCHECK as the config stores it (durations in nanoseconds), in seconds; `NONE` and empty tests stay as given. */
function healthcheckOf(v: unknown): Healthcheck | undefined {
  if (!isObject(v)) return undefined;
  const test = strings(v.Test);
  if (test.length === 0) return undefined;
  const seconds = (ns: unknown): number | undefined => (typeof ns === 'number' && Number.isFinite(ns) && ns > 0 ? ns / 1e9 : undefined);
  const optional = { interval: seconds(v.Interval), timeout: seconds(v.Timeout), startPeriod: seconds(v.StartPeriod), retries: typeof v.Retries === 'number' && v.Retries > 0 ? v.Retries : undefined };
  return { test, ...Object.fromEntries(Object.entries(optional).filter(([, x]) => x !== undefined)) };
}

/** The parts of an image config the UI shows; tolerant of missing or odd fields (configs come from anywhere). */
export function summarizeConfig(body: Buffer): ImageConfigSummary | null {
  let doc: unknown;
  try {
    doc = JSON.parse(body.toString('utf8'));
  } catch {
    return null;
  }
  if (!isObject(doc)) return null;
  const c = isObject(doc.config) ? doc.config : {};
  const labels: Record<string, string> = {};
  if (isObject(c.Labels)) for (const [k, v] of Object.entries(c.Labels)) if (typeof v === 'string') labels[k] = v;
  const history: HistoryEntry[] = (Array.isArray(doc.history) ? doc.history : []).filter(isObject).map((h) => ({
    created: str(h.created) ?? null,
    createdBy: str(h.created_by) ?? '',
    emptyLayer: h.empty_layer === true,
    ...(str(h.comment) !== undefined ? { comment: str(h.comment) as string } : {}),
  }));
  const optional = { architecture: str(doc.architecture), os: str(doc.os), created: str(doc.created), workingDir: str(c.WorkingDir) || undefined, user: str(c.User) || undefined };
  return {
    ...Object.fromEntries(Object.entries(optional).filter(([, v]) => v !== undefined)),
    env: strings(c.Env),
    labels,
    entrypoint: strings(c.Entrypoint),
    cmd: strings(c.Cmd),
    history,
    // Both are sets in the config (`{"80/tcp": {}}`): the keys are what matters.
    exposedPorts: isObject(c.ExposedPorts) ? Object.keys(c.ExposedPorts) : [],
    volumes: isObject(c.Volumes) ? Object.keys(c.Volumes) : [],
    ...(healthcheckOf(c.Healthcheck) ? { healthcheck: healthcheckOf(c.Healthcheck) as Healthcheck } : {}),
    ...(str(c.StopSignal) ? { stopSignal: str(c.StopSignal) as string } : {}),
  };
}

/** Reads a manifest's facts from the store (its config for an image, its children for an index). */
export async function readManifestFacts(store: Store, digest: string, cache: Map<string, ManifestFacts>, depth = 0): Promise<ManifestFacts | undefined> {
  const known = cache.get(digest);
  if (known) return known;
  const stored = await store.repositories.readManifest(parseDigest(digest));
  if (!stored) return undefined;
  const { parsed } = stored;
  const blobs = new Map<string, number>();
  let facts: ManifestFacts;
  if (parsed.children.length > 0 || !parsed.config) {
    let size = 0;
    let created: string | null = null;
    const platforms: string[] = [];
    for (const child of parsed.children) {
      // An index of indexes is legal but rare; two levels is all any real tool writes.
      const sub = depth < 2 ? await readManifestFacts(store, child.digest, cache, depth + 1) : undefined;
      size += sub?.sizeBytes ?? child.size;
      if (sub?.created && (created === null || sub.created > created)) created = sub.created;
      if (sub) for (const [d, s] of sub.blobs) blobs.set(d, s);
      // buildx's attestation manifests say unknown/unknown: they are not a platform of the image.
      if (child.annotations?.['vnd.docker.reference.type'] === 'attestation-manifest') continue;
      platforms.push(child.platform ? platformOf(child.platform) : (sub?.platforms[0] ?? 'unknown'));
    }
    facts = { mediaType: parsed.mediaType, sizeBytes: size, created, platforms: [...new Set(platforms)], blobs };
  } else {
    for (const d of parsed.blobs) blobs.set(d.digest, d.size);
    const config = parsed.config;
    const configBody = await store.blobs.getContent(parseDigest(config.digest)).catch(() => undefined);
    const summary = configBody && configBody.byteLength < 8 * 1024 * 1024 ? summarizeConfig(configBody) : null;
    const size = config.size + parsed.layers.reduce((n, l) => n + l.size, 0);
    const platform = summary?.os || summary?.architecture ? [platformOf({ os: summary.os, architecture: summary.architecture, variant: undefined })] : [];
    facts = { mediaType: parsed.mediaType, sizeBytes: size, created: summary?.created ?? null, platforms: platform, blobs };
  }
  cache.set(digest, facts);
  return facts;
}
