import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import * as nodePath from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateCa, generateServerCertificate } from '../../server/tls/certificates.js';
import { removeDir, scratchDir, startBerth, type BerthProcess } from '../support/berth.js';
import { randomLayer, writeDockerArchive } from '../support/images.js';
import { requireTool, runOk } from '../support/run.js';
import { httpOnce, readDirImage, skopeo } from './clients.js';
import { startDistribution, startTokenIssuer, type Distribution, type TokenIssuer } from './mirror-support.js';

/**
 * Upstreams that want credentials: distribution 2.8 with htpasswd over TLS (Berth trusts its CA through
 * `ca_file`), distribution 2.8 with token auth behind a token issuer written for the test, and another
 * Berth. Credentials come from password files named in the configuration.
 */
describe('pull-through cache: authenticated upstreams', () => {
  let work: string;
  let basicUpstream: Distribution;
  let tokenUpstream: Distribution;
  let issuer: TokenIssuer;
  let berthUpstream: BerthProcess;
  let berth: BerthProcess;
  let certDir: string;
  const raws = new Map<string, string>();

  async function pushImage(dest: string, extra: string[], key: string): Promise<void> {
    const archive = nodePath.join(work, `${key}.tar`);
    await writeDockerArchive(archive, [{ repoTags: ['x/y:1'], layers: [randomLayer(120 * 1024), randomLayer(30 * 1024, 'b.bin')] }]);
    await skopeo('copy', ...extra, `docker-archive:${archive}`, `docker://${dest}`);
    raws.set(key, await skopeo('inspect', '--raw', ...extra.map((a) => a.replace('--dest-', '--')), `docker://${dest}`));
  }

  const secretFile = (name: string, content: string): string => {
    const file = nodePath.join(work, name);
    writeFileSync(file, `${content}\n`);
    chmodSync(file, 0o600);
    return file;
  };

  beforeAll(async () => {
    requireTool('skopeo');
    work = scratchDir('berth-mirror-auth-');
    // htpasswd over TLS.
    const ca = await generateCa({ commonName: 'Mirror Test CA' });
    const server = await generateServerCertificate({ ca, hostname: 'localhost' });
    writeFileSync(nodePath.join(work, 'ca.pem'), ca.certPem);
    writeFileSync(nodePath.join(work, 'server.crt'), server.certPem);
    writeFileSync(nodePath.join(work, 'server.key'), server.keyPem);
    certDir = nodePath.join(work, 'certs');
    mkdirSync(certDir);
    writeFileSync(nodePath.join(certDir, 'ca.crt'), ca.certPem);
    const htpasswd = (await runOk(requireTool('htpasswd'), ['-Bbn', 'alice', 'basic secret'])).trim();
    writeFileSync(nodePath.join(work, 'htpasswd'), `${htpasswd}\n`);
    basicUpstream = await startDistribution(work, {
      tls: { cert: nodePath.join(work, 'server.crt'), key: nodePath.join(work, 'server.key') },
      extraTop: ['auth:', '  htpasswd:', '    realm: basic-realm', `    path: ${nodePath.join(work, 'htpasswd')}`],
    });
    await pushImage(`${basicUpstream.address}/x/y:1`, ['--dest-creds', 'alice:basic secret', '--dest-cert-dir', certDir], 'basic');

    // Token auth: the issuer signs with a leaf of its own CA, which distribution trusts as rootcertbundle.
    const tokenCa = await generateCa({ commonName: 'Token Signing CA' });
    const signer = await generateServerCertificate({ ca: tokenCa, hostname: 'token-issuer' });
    writeFileSync(nodePath.join(work, 'token-ca.pem'), tokenCa.certPem);
    issuer = await startTokenIssuer({ service: 'mirror-test', issuer: 'mirror-test-issuer', certPem: signer.certPem, keyPem: signer.keyPem, username: 'bob', password: 'token secret', expiresIn: 300 });
    tokenUpstream = await startDistribution(work, {
      extraTop: ['auth:', '  token:', `    realm: ${issuer.realm}`, '    service: mirror-test', '    issuer: mirror-test-issuer', `    rootcertbundle: ${nodePath.join(work, 'token-ca.pem')}`],
    });
    await pushImage(`${tokenUpstream.address}/x/y:1`, ['--dest-creds', 'bob:token secret', '--dest-tls-verify=false'], 'token');

    // Another Berth.
    berthUpstream = await startBerth();
    await pushImage(`${berthUpstream.address}/x/y:1`, ['--dest-tls-verify=false'], 'berth');

    const config = nodePath.join(work, 'berth.yml');
    writeFileSync(
      config,
      [
        'mirrors:',
        '  - prefix: basic',
        `    url: ${basicUpstream.url}`,
        '    username: alice',
        `    password_file: ${secretFile('basic.pw', 'basic secret')}`,
        `    ca_file: ${nodePath.join(work, 'ca.pem')}`,
        '  - prefix: token',
        `    url: ${tokenUpstream.url}`,
        '    username: bob',
        `    password_file: ${secretFile('token.pw', 'token secret')}`,
        '  - prefix: token-wrong',
        `    url: ${tokenUpstream.url}`,
        '    username: bob',
        `    password_file: ${secretFile('wrong.pw', 'not it')}`,
        '  - prefix: basic-anonymous',
        `    url: ${basicUpstream.url}`,
        `    ca_file: ${nodePath.join(work, 'ca.pem')}`,
        '',
      ].join('\n'),
    );
    berth = await startBerth({ args: ['--config', config, '--mirror', `berth=${berthUpstream.url}`] });
  });

  afterAll(async () => {
    await berth?.stop();
    await berthUpstream?.stop();
    await tokenUpstream?.stop();
    await basicUpstream?.stop();
    await issuer?.stop();
    for (const b of [berth, berthUpstream]) if (b) removeDir(b.root);
    if (work) removeDir(work);
  });

  const pull = async (ref: string, dir: string): Promise<Awaited<ReturnType<typeof readDirImage>>> => {
    await skopeo('copy', '--src-tls-verify=false', `docker://${berth.address}/${ref}`, `dir:${nodePath.join(work, dir)}`);
    return readDirImage(nodePath.join(work, dir));
  };

  it('pulls from distribution with htpasswd over TLS, with the configured password and CA', async () => {
    expect((await pull('basic/x/y:1', 'basic')).manifestBytes.toString()).toBe(raws.get('basic'));
  });

  it('pulls from distribution with token auth: one token for the whole image, reused until it expires', async () => {
    const before = issuer.issued();
    expect((await pull('token/x/y:1', 'token')).manifestBytes.toString()).toBe(raws.get('token'));
    // Manifest, config and two layers: one token for the scope repository:x/y:pull.
    expect(issuer.issued() - before).toBe(1);
  });

  it('pulls from another Berth', async () => {
    expect((await pull('berth/x/y:1', 'berth')).manifestBytes.toString()).toBe(raws.get('berth'));
  });

  it('says which upstream refused which credentials, in the v2 error format', async () => {
    const wrong = await httpOnce(`${berth.url}/v2/token-wrong/x/y/manifests/1`);
    expect(wrong.status).toBe(503);
    const body = JSON.parse(wrong.body.toString()) as { errors: { code: string; message: string }[] };
    expect(body.errors[0]?.code).toBe('UNAVAILABLE');
    expect(body.errors[0]?.message).toContain(tokenUpstream.url);
    expect(body.errors[0]?.message).toContain('401');
    const anonymous = await httpOnce(`${berth.url}/v2/basic-anonymous/x/y/manifests/1`);
    expect(anonymous.status).toBe(503);
    expect((JSON.parse(anonymous.body.toString()) as { errors: { message: string }[] }).errors[0]?.message).toContain('it wants credentials');
  });
});
