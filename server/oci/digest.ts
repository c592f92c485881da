import { createHash, type Hash } from 'node:crypto';
import { BerthError } from '../errors/domain.js';

/** The registered algorithms Berth stores content under, with the hex length of their digests. */
const ALGORITHMS = { sha256: 64, sha512: 128 } as const;
export type DigestAlgorithm = keyof typeof ALGORITHMS;

/** A parsed, validated content digest such as `sha256:e3b0…`. */
export interface Digest {
  readonly algorithm: DigestAlgorithm;
  readonly hex: string;
  /** The canonical `alg:hex` string. */
  readonly value: string;
}

const GRAMMAR = /^([a-z0-9]+(?:[+._-][a-z0-9]+)*):([a-zA-Z0-9=_-]+)$/;

export function isDigestAlgorithm(alg: string): alg is DigestAlgorithm {
  return Object.hasOwn(ALGORITHMS, alg);
}

/** Parses a digest string, or throws `digest-invalid` naming what is wrong. */
export function parseDigest(text: string): Digest {
  const match = GRAMMAR.exec(text);
  if (!match) throw new BerthError('digest-invalid', `invalid digest: ${JSON.stringify(text.slice(0, 200))}`);
  const [, algorithm = '', hex = ''] = match;
  if (!isDigestAlgorithm(algorithm)) {
    throw new BerthError('digest-invalid', `unsupported digest algorithm ${JSON.stringify(algorithm)} (use sha256 or sha512)`);
  }
  if (hex.length !== ALGORITHMS[algorithm] || !/^[a-f0-9]+$/.test(hex)) {
    throw new BerthError('digest-invalid', `invalid ${algorithm} digest: expected ${ALGORITHMS[algorithm]} lowercase hex characters`);
  }
  return { algorithm, hex, value: `${algorithm}:${hex}` };
}

/** True when the string looks like a digest at all (so a reference slot holding it is not a tag). */
export function looksLikeDigest(text: string): boolean {
  return text.includes(':');
}

export function newHasher(algorithm: DigestAlgorithm): Hash {
  return createHash(algorithm);
}

export function digestOf(data: Uint8Array | string, algorithm: DigestAlgorithm = 'sha256'): Digest {
  const hex = createHash(algorithm).update(data).digest('hex');
  return { algorithm, hex, value: `${algorithm}:${hex}` };
}

export function digestFromHash(algorithm: DigestAlgorithm, hash: Hash): Digest {
  const hex = hash.digest('hex');
  return { algorithm, hex, value: `${algorithm}:${hex}` };
}
