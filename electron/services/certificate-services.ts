import { mkdir, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import * as nodePath from 'node:path';
import type { BerthConfig } from '../../server/config.js';
import { TrustManager } from '../os/certs/index.js';
import { caIdentity, generateProxyCertificate, readProxyCertificate } from '../os/certs/proxy-certificate.js';
import type { TrustTargetId } from '../os/certs/trust.js';
import { OsError } from '../os/exec.js';
import type { BerthApi } from '../shared/bridge.js';
import { bridged, exists, osFiles, type OsContext } from './os-context.js';

export type CertificateMethod = 'getCertificate' | 'generateCertificate' | 'getTrust' | 'installTrust' | 'removeTrust';
export type CertificateApi = Pick<BerthApi, CertificateMethod>;

/**
 * The proxy the app runs when the configuration has none: on once a certificate was generated, with the
 * app's own files. Undefined keeps the registry plain-HTTP on loopback.
 */
export async function appProxyConfig(dataDir: string, config: BerthConfig): Promise<BerthConfig['proxy']> {
  if (config.proxy) return config.proxy;
  const files = osFiles(dataDir, config);
  if (!(await exists(files.proxyCert)) || !(await exists(files.proxyKey)) || !(await exists(files.htpasswd))) return undefined;
  return { addr: { host: '127.0.0.1', port: 5443 }, tlsCert: files.proxyCert, tlsKey: files.proxyKey, htpasswd: files.htpasswd };
}

/** The proxy's certificate (made by the app's own CA) and the trust of that CA by this machine's clients. */
export function createCertificateApi(os: OsContext): CertificateApi {
  const { options, host, files, exec, elevate, platform } = os;
  const trust = (): TrustManager =>
    new TrustManager({ exec, elevate, homeDir: options.homeDir ?? homedir(), registry: os.registry(), ...(options.dockerCertsRoot ? { dockerCertsRoot: options.dockerCertsRoot } : {}) }, platform);
  const ca = async (): Promise<Awaited<ReturnType<typeof caIdentity>>> => {
    try {
      return await caIdentity(nodePath.join(files.dir, 'ca.crt'));
    } catch {
      throw new OsError('not-found', 'no CA yet', 'Generate a certificate first.');
    }
  };
  return {
    getCertificate: bridged(async () => (await readProxyCertificate(files)) ?? null),
    generateCertificate: bridged(async () => {
      // Port 0 (a test's ephemeral proxy) has no certs.d name yet: use the default one for the copy.
      const details = await generateProxyCertificate(files, os.hostname(), host.proxyPort() || 5443);
      // A proxy needs an htpasswd file to start; an empty one lets nobody in until a user is added.
      if (!(await exists(files.htpasswd))) {
        await mkdir(nodePath.dirname(files.htpasswd), { recursive: true });
        await writeFile(files.htpasswd, '', { mode: 0o600, flag: 'wx' }).catch(() => undefined);
      }
      // A running proxy picks the files up by itself; a stopped one starts now.
      if (!options.config.proxy) await host.restartListeners();
      return details;
    }),
    getTrust: bridged(async () => ((await exists(nodePath.join(files.dir, 'ca.crt'))) ? trust().status(await ca()) : [])),
    installTrust: bridged(async ({ id }) => trust().install(id as TrustTargetId, await ca())),
    removeTrust: bridged(async ({ id }) => trust().remove(id as TrustTargetId, await ca())),
  };
}
