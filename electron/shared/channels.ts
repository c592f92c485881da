// IPC channel names of the bridge: one per BerthApi method, plus the event channel. No runtime imports:
// the preload bundles this file.
import type { BerthApi } from './bridge.js';

type BerthMethod = keyof BerthApi;

export const CHANNELS = {
  listRepositories: 'berth:listRepositories',
  listTags: 'berth:listTags',
  searchTags: 'berth:searchTags',
  getManifest: 'berth:getManifest',
  deleteTag: 'berth:deleteTag',
  deleteManifest: 'berth:deleteManifest',
  deleteRepository: 'berth:deleteRepository',
  getStorage: 'berth:getStorage',
  runGc: 'berth:runGc',
  listUntagged: 'berth:listUntagged',
  getStatus: 'berth:getStatus',
  getSettings: 'berth:getSettings',
  updateSettings: 'berth:updateSettings',
  importFromPath: 'berth:importFromPath',
  cancelImport: 'berth:cancelImport',
  listImports: 'berth:listImports',
  clearImports: 'berth:clearImports',
  listUsers: 'berth:listUsers',
  addUser: 'berth:addUser',
  getUserPassword: 'berth:getUserPassword',
  rotateUserPassword: 'berth:rotateUserPassword',
  removeUser: 'berth:removeUser',
  getCertificate: 'berth:getCertificate',
  generateCertificate: 'berth:generateCertificate',
  getTrust: 'berth:getTrust',
  installTrust: 'berth:installTrust',
  removeTrust: 'berth:removeTrust',
  getHostsEntry: 'berth:getHostsEntry',
  setHostsEntry: 'berth:setHostsEntry',
  removeHostsEntry: 'berth:removeHostsEntry',
  getDockerLogin: 'berth:getDockerLogin',
  logDockerIn: 'berth:logDockerIn',
  logDockerOut: 'berth:logDockerOut',
  linkDockerHelper: 'berth:linkDockerHelper',
  layerFiles: 'berth:layerFiles',
  imageFiles: 'berth:imageFiles',
  getCache: 'berth:getCache',
  cachedRepositories: 'berth:cachedRepositories',
  evictCache: 'berth:evictCache',
  listMirrors: 'berth:listMirrors',
  addMirror: 'berth:addMirror',
  removeMirror: 'berth:removeMirror',
} as const satisfies Record<BerthMethod, `berth:${string}`>;
export const EVENT_CHANNEL = 'berth:event';
export const METHODS = Object.keys(CHANNELS) as BerthMethod[];
