import type { BerthApi } from '../shared/bridge.js';
import { createCertificateApi, type CertificateMethod } from './certificate-services.js';
import { createDockerLogin, createDockerLoginApi, type DockerLoginMethod } from './docker-login-services.js';
import { createHostsApi, type HostsMethod } from './hosts-services.js';
import { createOsContext, type OsHost, type OsOptions } from './os-context.js';
import { createUserApi, type UserMethod } from './user-services.js';

export type OsMethod = UserMethod | CertificateMethod | HostsMethod | DockerLoginMethod;
export type OsApi = Pick<BerthApi, OsMethod>;

/** The features that drive the operating system (electron/os): users, certificates and trust, hosts, Docker's login. */
export function createOsApi(options: OsOptions, host: OsHost): OsApi {
  const os = createOsContext(options, host);
  const docker = createDockerLogin(os);
  return {
    ...createUserApi(os, docker),
    ...createCertificateApi(os),
    ...createHostsApi(os),
    ...createDockerLoginApi(docker),
  };
}
