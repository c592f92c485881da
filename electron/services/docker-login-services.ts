import { homedir } from 'node:os';
import { defaultDockerConfigPath, defaultHelperPath, DockerLogin } from '../os/docker/docker-login.js';
import { OsError } from '../os/exec.js';
import type { Keychain } from '../os/keychain/keychain.js';
import type { BerthApi } from '../shared/bridge.js';
import { bridged, type OsContext } from './os-context.js';

export type DockerLoginMethod = 'getDockerLogin' | 'logDockerIn' | 'logDockerOut' | 'linkDockerHelper';
export type DockerLoginApi = Pick<BerthApi, DockerLoginMethod>;

/** Stands in for a missing keychain where "nothing stored" is the truthful answer (who Docker is logged in as). */
const NO_KEYCHAIN: Keychain = {
  set: async () => {
    throw new OsError('unavailable', 'there is no keychain to store the password in');
  },
  get: async () => undefined,
  delete: async () => false,
  accounts: async () => [],
};

/** Docker's login to this registry through the credential helper, with the users' passwords from the keychain. */
export function createDockerLogin(os: OsContext): DockerLogin {
  const { options, platform, elevate } = os;
  return new DockerLogin({
    keychain: async () => {
      const found = await os.keychainNow();
      return found instanceof OsError ? NO_KEYCHAIN : found;
    },
    configPath: options.dockerConfigPath ?? defaultDockerConfigPath(),
    helperPath: options.dockerHelperPath ?? defaultHelperPath(),
    pathVariable: 'pathVariable' in options ? options.pathVariable : process.env.PATH,
    registry: () => os.registry(),
    password: async (name) => (await os.users()).password(name),
    link: { platform, homeDir: options.homeDir ?? homedir(), elevate, ...(options.systemBinDir ? { systemBinDir: options.systemBinDir } : {}) },
  });
}

export function createDockerLoginApi(docker: DockerLogin): DockerLoginApi {
  return {
    getDockerLogin: bridged(() => docker.info()),
    logDockerIn: bridged(({ user }) => docker.logIn(user)),
    logDockerOut: bridged(() => docker.logOut()),
    linkDockerHelper: bridged(() => docker.linkHelper()),
  };
}
