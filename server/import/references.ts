import { isValidName, isValidTag } from '../oci/names.js';
import { archiveInvalid } from './limits.js';

/** Where an image lands: a Berth repository and, unless it is reachable by digest only, a tag. */
export interface Target {
  readonly repository: string;
  readonly tag?: string;
}

const DOCKER_HUB = new Set(['docker.io', 'index.docker.io', 'registry-1.docker.io']);

/**
 * Reads an image reference the way Docker does (`[host[:port]/]path[:tag][@digest]`) and keeps what
 * matters inside this registry: the path and the tag. The host is dropped (the image is being imported
 * here), and Docker Hub's implicit `library/` is dropped too, so `docker.io/library/busybox:1` and the
 * familiar `busybox:1` of a RepoTags entry land in the same repository. Returns undefined when the text
 * is not a reference Berth can store.
 */
export function parseReference(text: string): { repository: string; tag?: string } | undefined {
  let rest = text;
  const at = rest.indexOf('@');
  if (at >= 0) rest = rest.slice(0, at);
  let tag: string | undefined;
  const lastSlash = rest.lastIndexOf('/');
  const colon = rest.lastIndexOf(':');
  if (colon > lastSlash) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
  }
  const parts = rest.split('/');
  const first = parts[0] ?? '';
  let host: string | undefined;
  if (parts.length > 1 && (first.includes('.') || first.includes(':') || first === 'localhost')) host = parts.shift();
  if (host !== undefined && DOCKER_HUB.has(host) && parts.length > 1 && parts[0] === 'library') parts.shift();
  const repository = parts.join('/');
  if (!isValidName(repository) || (tag !== undefined && !isValidTag(tag))) return undefined;
  return tag !== undefined ? { repository, tag } : { repository };
}

/** A `--tag repo[:tag]` override; the tag may be left to the archive's own ref name, else `latest`. */
export function parseOverride(text: string): { repository: string; tag?: string } {
  const parsed = text.includes('@') ? undefined : parseReference(text);
  if (!parsed) throw archiveInvalid(`--tag ${JSON.stringify(text.slice(0, 200))} is not a valid repository[:tag]`);
  return parsed;
}

/** A reference from the archive; a missing tag with no digest means `latest`, as Docker reads it. */
export function targetOf(text: string, where: string): Target {
  const parsed = parseReference(text);
  if (!parsed) throw archiveInvalid(`${where}: ${JSON.stringify(text.slice(0, 200))} is not an image reference Berth can store`);
  if (parsed.tag === undefined && !text.includes('@')) return { repository: parsed.repository, tag: 'latest' };
  return parsed;
}

/** Where an image with no name goes: `imported/<12 hex of its image id, or of its manifest digest>`. */
export const untaggedRepository = (id: string): string => `imported/${id.slice(id.indexOf(':') + 1, id.indexOf(':') + 13)}`;
