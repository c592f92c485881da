import { join } from 'node:path';
import { getManifestDetail } from '../../server/catalog/manifest-detail.js';
import { withBadges } from '../../server/catalog/referrer-badges.js';
import { isBerthError } from '../../server/errors/domain.js';
import { imageFiles, layerFiles } from '../../server/layers/image-files.js';
import { LayerFilesCache } from '../../server/layers/layer-cache.js';
import { parseDigest } from '../../server/oci/digest.js';
import { assertName } from '../../server/oci/names.js';
import { BRIDGE_ERRORS } from '../shared/bridge-codes.js';
import type { BerthApi } from '../shared/bridge.js';
import { ServiceError } from './bridge-errors.js';
import type { OpenStore } from './open-store.js';

export type RepositoryMethod = 'listRepositories' | 'listTags' | 'searchTags' | 'getManifest' | 'deleteTag' | 'deleteManifest' | 'deleteRepository' | 'layerFiles' | 'imageFiles';
export type RepositoryApi = Pick<BerthApi, RepositoryMethod>;

/** A blob that is not a tar is the caller's mistake (an artifact's file), not the server's. */
async function explore<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    if (isBerthError(err, 'unsupported')) throw new ServiceError(BRIDGE_ERRORS.invalidInput, err.message);
    throw err;
  }
}

/** Repositories, tags and manifests as the catalog lists them, their deletion, and the files inside images. */
export function createRepositoryApi(storage: OpenStore, dataDir: string): RepositoryApi {
  // Listings are keyed by content digest, so one cache serves whichever storage folder is open.
  const layerCache = new LayerFilesCache(join(dataDir, 'layer-files'), (digest) => storage.store.blobs.read(parseDigest(digest)));
  return {
    listRepositories: (q) => storage.catalog.listRepositories(q),
    listTags: async ({ repository, ...q }) => {
      const page = await storage.catalog.listTags(assertName(repository), q);
      return { ...page, items: await withBadges(storage.store, repository, page.items) };
    },
    searchTags: (q) => storage.catalog.searchTags(q),
    getManifest: ({ repository, reference }) => getManifestDetail(storage.store, storage.catalog, repository, reference),
    deleteTag: async ({ repository, tag }) => storage.store.repositories.deleteTag(assertName(repository), tag),
    deleteManifest: async ({ repository, digest }) => ({ removedTags: await storage.store.repositories.deleteManifest(assertName(repository), parseDigest(digest)) }),
    deleteRepository: async ({ repository }) => storage.store.repositories.deleteRepository(assertName(repository)),
    layerFiles: ({ repository, digest, manifest }) => explore(() => layerFiles(storage.store, layerCache, repository, digest, manifest)),
    imageFiles: ({ repository, reference, query }) => explore(() => imageFiles(storage.store, layerCache, repository, reference, query)),
  };
}
