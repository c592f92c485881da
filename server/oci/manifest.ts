import { BerthError } from '../errors/domain.js';
import { parseDigest, type Digest } from './digest.js';
import { MediaType, MANIFEST_TYPES, isIndexType } from './media-types.js';

export interface Descriptor {
  readonly mediaType: string;
  readonly digest: string;
  readonly size: number;
  readonly urls?: readonly string[];
  readonly annotations?: Readonly<Record<string, string>>;
  readonly artifactType?: string;
  readonly platform?: Readonly<{ architecture?: string; os?: string; variant?: string; 'os.version'?: string }>;
}

/** What Berth needs to know about a manifest: its type, what it points to, and its referrer facts. */
export interface ParsedManifest {
  readonly mediaType: string;
  /** Blobs this manifest needs in the repository (config and distributable layers). */
  readonly blobs: readonly Descriptor[];
  /** Manifests this index needs in the repository. */
  readonly children: readonly Descriptor[];
  readonly config?: Descriptor;
  readonly layers: readonly Descriptor[];
  readonly subject?: Descriptor;
  /** The artifact type the referrers API reports for this manifest, if any. */
  readonly artifactType?: string;
  readonly annotations?: Readonly<Record<string, string>>;
}

const invalid = (message: string, detail?: unknown): BerthError => new BerthError('manifest-invalid', message, detail);

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function stringRecord(value: unknown, where: string): Record<string, string> | undefined {
  if (value === undefined) return undefined;
  if (!isObject(value) || !Object.values(value).every((v) => typeof v === 'string')) throw invalid(`${where} must be an object of strings`);
  return value as Record<string, string>;
}

function descriptor(value: unknown, where: string): Descriptor {
  if (!isObject(value)) throw invalid(`${where} must be a descriptor object`);
  const { mediaType, digest, size, urls } = value;
  if (typeof mediaType !== 'string' || mediaType.length === 0) throw invalid(`${where}.mediaType is required`);
  if (typeof digest !== 'string') throw invalid(`${where}.digest is required`);
  try {
    parseDigest(digest);
  } catch (err) {
    throw invalid(`${where}.digest: ${(err as Error).message}`, { digest });
  }
  if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0) throw invalid(`${where}.size must be a non-negative integer`);
  if (urls !== undefined && (!Array.isArray(urls) || !urls.every((u) => typeof u === 'string'))) throw invalid(`${where}.urls must be an array of strings`);
  stringRecord(value.annotations, `${where}.annotations`);
  return value as unknown as Descriptor;
}

function descriptorList(value: unknown, where: string): Descriptor[] {
  if (!Array.isArray(value)) throw invalid(`${where} must be an array`);
  return value.map((d, i) => descriptor(d, `${where}[${i}]`));
}

/** Decides the manifest's media type from its body, checking it against the request's Content-Type. */
function mediaTypeOf(doc: Record<string, unknown>, contentType: string | undefined): string {
  const declared = doc.mediaType;
  if (declared !== undefined && typeof declared !== 'string') throw invalid('mediaType must be a string');
  const header = contentType?.split(';')[0]?.trim().toLowerCase() || undefined;
  const headerIsManifest = header !== undefined && MANIFEST_TYPES.has(header);
  if (declared !== undefined) {
    if (headerIsManifest && header !== declared) throw invalid(`Content-Type ${header} does not match the manifest's mediaType ${declared}`);
    return declared;
  }
  // OCI manifests and indexes may omit mediaType; their shape tells which one it is.
  const shape = Array.isArray(doc.manifests) ? MediaType.OciIndex : MediaType.OciManifest;
  if (headerIsManifest && header !== shape) throw invalid(`Content-Type ${header} does not match the manifest's content (${shape})`);
  return shape;
}

/** Parses and validates manifest bytes; throws `manifest-invalid` with a reason clients can read. */
export function parseManifest(body: Uint8Array, contentType?: string): ParsedManifest {
  let doc: unknown;
  try {
    doc = JSON.parse(Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8'));
  } catch {
    throw invalid('manifest is not valid JSON');
  }
  if (!isObject(doc)) throw invalid('manifest must be a JSON object');
  if (doc.schemaVersion !== 2) throw invalid('unsupported manifest: only schemaVersion 2 is accepted (schema 1 is deprecated)');
  const mediaType = mediaTypeOf(doc, contentType);
  if (!MANIFEST_TYPES.has(mediaType)) throw invalid(`unsupported manifest media type ${JSON.stringify(mediaType)}`);

  const subject = doc.subject === undefined ? undefined : descriptor(doc.subject, 'subject');
  const annotations = stringRecord(doc.annotations, 'annotations');
  const declaredArtifactType = doc.artifactType;
  if (declaredArtifactType !== undefined && typeof declaredArtifactType !== 'string') throw invalid('artifactType must be a string');
  // What the document leaves out stays out of the parsed manifest (no keys holding undefined).
  const optional = { ...(subject ? { subject } : {}), ...(annotations ? { annotations } : {}) };

  if (isIndexType(mediaType)) {
    const children = descriptorList(doc.manifests, 'manifests');
    return { mediaType, blobs: [], children, layers: [], ...optional, ...(declaredArtifactType !== undefined ? { artifactType: declaredArtifactType } : {}) };
  }
  const config = descriptor(doc.config, 'config');
  const layers = doc.layers === undefined && mediaType === MediaType.OciManifest ? [] : descriptorList(doc.layers, 'layers');
  // Non-distributable layers (with `urls`) live elsewhere; they need not be in the registry.
  const blobs = [config, ...layers.filter((l) => !(l.urls && l.urls.length > 0))];
  return { mediaType, blobs, children: [], config, layers, ...optional, artifactType: declaredArtifactType ?? config.mediaType };
}

export function digestOfDescriptor(d: Descriptor): Digest {
  return parseDigest(d.digest);
}
