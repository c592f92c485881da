import { OsError } from '../os/exec.js';
import type { DockerLogin } from '../os/docker/docker-login.js';
import { ManagedUsers } from '../os/keychain/managed-users.js';
import type { BerthApi } from '../shared/bridge.js';
import { bridged, keychainMissing, type OsContext } from './os-context.js';

export type UserMethod = 'listUsers' | 'addUser' | 'getUserPassword' | 'rotateUserPassword' | 'removeUser';
export type UserApi = Pick<BerthApi, UserMethod>;

/** The proxy's users (htpasswd, passwords in the keychain); Docker's login follows a rotation or a removal. */
export function createUserApi(os: OsContext, docker: Pick<DockerLogin, 'passwordChanged' | 'userRemoved'>): UserApi {
  return {
    listUsers: bridged(async () => {
      const found = await os.keychainNow();
      const users = await new ManagedUsers(found instanceof OsError ? null : found, os.files.htpasswd).list();
      return { users, keychain: found instanceof OsError ? keychainMissing(found, os.platform) : { available: true } };
    }),
    addUser: bridged(async ({ name, password }) => (await os.users()).add(name, password)),
    getUserPassword: bridged(async ({ name }) => ({ name, password: await (await os.users()).password(name) })),
    rotateUserPassword: bridged(async ({ name, password }) => {
      const rotated = await (await os.users()).rotate(name, password);
      await docker.passwordChanged(rotated.name, rotated.password);
      return rotated;
    }),
    removeUser: bridged(async ({ name }) => {
      await (await os.users()).remove(name);
      await docker.userRemoved(name);
    }),
  };
}
