import { isValidName } from '../../oci/names.js';
import { isValidImageId } from '../../storage/v1-store.js';
import type { V1Repository } from './context.js';
import { V1Error } from './respond.js';

/**
 * Maps a v1 repository path onto the shared store. A single component gets the `library` namespace, as in
 * the original; `library/<x>` is stored as the v2 repository `<x>`, because Docker addresses
 * `HOST/foo` over v2 as `foo`: so `docker push HOST/foo` (v2) and v1's `foo` or `library/foo` are one
 * repository. Any other `ns/x` is the v2 repository `ns/x`. The result must satisfy the v2 name grammar,
 * which rules out `..`, empty or absolute components and percent-encoded tricks: the raw path is checked.
 */
export function parseV1Repository(raw: string): V1Repository {
  const trimmed = raw.replace(/\/+$/, '');
  const slash = trimmed.indexOf('/');
  const namespace = slash === -1 ? 'library' : trimmed.slice(0, slash);
  const repository = slash === -1 ? trimmed : trimmed.slice(slash + 1);
  const name = namespace === 'library' ? repository : `${namespace}/${repository}`;
  if (!isValidName(name) || namespace === '') throw new V1Error(400, 'Invalid repository name');
  return { v1Name: `${namespace}/${repository}`, name };
}

export function checkImageId(id: string): string {
  if (!isValidImageId(id)) throw new V1Error(404, 'Invalid image ID');
  return id;
}
