import { BerthError } from '../errors/domain.js';

/**
 * What an archive may ask of us. These bound memory and disk whatever a hostile archive claims; real
 * `docker save` output stays far below each of them.
 */
export const LIMITS = {
  /** manifest.json, index.json, repositories, oci-layout and image configs are read into memory. */
  maxDocumentBytes: 16 * 1024 * 1024,
  /** Nesting of any JSON document we parse (real ones are < 10 deep). */
  maxJsonDepth: 64,
  /** Images (manifest.json elements or index.json descriptors) in one archive. */
  maxImages: 10_000,
  /** Tar entries in one archive (each costs a small map entry and a staged file). */
  maxEntries: 200_000,
  /** Links followed from one name (a link to a link …); Docker and skopeo use one hop. */
  maxLinkHops: 16,
  /** Indexes inside indexes. */
  maxIndexDepth: 8,
  /**
   * A gzipped archive may expand to at most `ratio × compressed size + slack`. Tars of real images
   * compress 2-4×; a bomb compresses 1000×. The compressed size is the source's size when known, else the
   * bytes read so far.
   */
  gzipRatio: 16,
  gzipSlackBytes: 64 * 1024 * 1024,
} as const;

export const archiveInvalid = (message: string, detail?: unknown): BerthError => new BerthError('archive-invalid', message, detail);

/** JSON.parse with a size cap and a depth cap checked before parsing (so nothing recursive sees a deep tree). */
export function parseJsonDocument(bytes: Buffer, what: string, maxBytes: number = LIMITS.maxDocumentBytes): unknown {
  if (bytes.byteLength > maxBytes) throw archiveInvalid(`${what} is ${bytes.byteLength} bytes; the limit is ${maxBytes}`);
  let depth = 0;
  let inString = false;
  for (let i = 0; i < bytes.byteLength; i++) {
    const c = bytes[i];
    if (inString) {
      if (c === 0x5c) i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > LIMITS.maxJsonDepth) throw archiveInvalid(`${what} is nested deeper than ${LIMITS.maxJsonDepth} levels`);
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  try {
    return JSON.parse(bytes.toString('utf8'));
  } catch {
    throw archiveInvalid(`${what} is not valid JSON`);
  }
}

export const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
