// The bridge's method names, at run time. The one file of electron/ the renderer imports for more than types
// (its HTTP client is built from this list; eslint.config.js allows exactly this file), so it imports nothing.
// bridge.ts checks at compile time that the list and BerthApi name the same methods, and INPUT_SCHEMAS that each
// has a schema: a new method is a line here, its signature and schema in bridge.ts, and the service.

export const METHODS = [
  'listRepositories', 'listTags', 'searchTags', 'getManifest', 'deleteTag', 'deleteManifest', 'deleteRepository',
  'getStorage', 'runGc', 'listUntagged', 'getStatus', 'getSettings', 'updateSettings',
  'importFromPath', 'cancelImport', 'listImports', 'clearImports',
  'listUsers', 'addUser', 'getUserPassword', 'rotateUserPassword', 'removeUser',
  'getCertificate', 'generateCertificate', 'getTrust', 'installTrust', 'removeTrust',
  'getHostsEntry', 'setHostsEntry', 'removeHostsEntry',
  'getDockerLogin', 'logDockerIn', 'logDockerOut', 'linkDockerHelper',
  'layerFiles', 'imageFiles',
  'getCache', 'cachedRepositories', 'evictCache', 'listMirrors', 'addMirror', 'removeMirror',
  'getCleanupRules', 'saveCleanupRules', 'planCleanup', 'runCleanup', 'getMaintenanceHistory', 'getStorageUsage', 'planTagDeletion',
] as const;

export type BerthMethod = (typeof METHODS)[number];

const KNOWN: ReadonlySet<string> = new Set(METHODS);

/** Whether `name` is a bridge method (never an inherited name such as `constructor` or `__proto__`). */
export const isBerthMethod = (name: string): name is BerthMethod => KNOWN.has(name);
