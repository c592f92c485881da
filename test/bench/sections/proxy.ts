import { copyFile, mkdir, rm, writeFile } from 'node:fs/promises';
import * as nodePath from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { writeCertificateSet } from '../../../server/tls/certificates.js';
import { measureRows, record, type BenchContext } from '../context.js';
import { MANIFEST_ACCEPT, wrkRate } from '../load.js';
import { startNginx } from '../nginx.js';
import { exec, execOk } from '../procs.js';
import { startBerthRegistry, startReference, type Registry } from '../registries.js';
import type { Row } from '../report.js';
import { pushPullRows } from './core-transfer.js';

/**
 * TLS + basic auth fronts: `berth serve` with its built-in proxy (one process) vs nginx in front of the
 * reference registry. Same certificate authority, same bcrypt htpasswd (cost 5), same client flags.
 */

const SECTION = 'proxy';
const USER = 'bench';
const PASSWORD = 'bench-password-1';

/** Polls an HTTPS endpoint with curl (which checks the certificate) until it answers 401 to no credentials. */
async function waitForTls(url: string, caFile: string, what: string, output: () => string): Promise<void> {
  const deadline = Date.now() + 30_000;
  let last = '';
  while (Date.now() < deadline) {
    const r = await exec('curl', ['-sS', '-o', '/dev/null', '-w', '%{http_code}', '--cacert', caFile, url]);
    if (r.stdout.trim() === '401') return;
    last = `${r.stdout.trim()} ${r.stderr.trim()}`;
    await sleep(100);
  }
  throw new Error(`${what} did not answer 401 at ${url} (${last}):\n${output()}`);
}

async function waitForLine(output: () => string, pattern: RegExp, what: string): Promise<RegExpExecArray> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    const m = pattern.exec(output());
    if (m) return m;
    await sleep(100);
  }
  throw new Error(`${what} never printed ${pattern}:\n${output()}`);
}

export async function proxySection(ctx: BenchContext): Promise<void> {
  const { sizes, reps, largeReps, wrkSeconds } = ctx.options;
  const dir = nodePath.join(ctx.scratch, 'proxy');
  const certs = await writeCertificateSet(nodePath.join(dir, 'tls'), { hostname: '127.0.0.1' });
  // skopeo treats every *.key in a cert dir as a client key wanting its *.cert: give it the CA alone.
  const certDir = nodePath.join(dir, 'client-certs');
  await mkdir(certDir, { recursive: true });
  await copyFile(certs.files.caCert, nodePath.join(certDir, 'ca.crt'));
  const htpasswdFile = nodePath.join(dir, 'htpasswd');
  await writeFile(htpasswdFile, (await execOk('htpasswd', ['-nbB', '-C', '5', USER, PASSWORD])).stdout.trim() + '\n');
  const berthConfig = nodePath.join(dir, 'berth.yml');
  await writeFile(
    berthConfig,
    `proxy:\n  addr: 127.0.0.1:0\n  tls_cert: ${certs.files.serverCert}\n  tls_key: ${certs.files.serverKey}\n  htpasswd: ${htpasswdFile}\n`,
  );

  const refRoot = nodePath.join(dir, 'reference-root');
  const berthRoot = nodePath.join(dir, 'berth-root');
  const reference = await startReference(refRoot, dir);
  const nginxDir = nodePath.join(dir, 'nginx');
  await mkdir(nginxDir, { recursive: true });
  const nginx = await startNginx({ dir: nginxDir, upstreamPort: Number(reference.address.split(':')[1]), certFile: certs.files.serverCert, keyFile: certs.files.serverKey, htpasswdFile });
  const berth = await startBerthRegistry(berthRoot, ['--config', berthConfig]);
  try {
    const proxyPort = Number((await waitForLine(berth.output, /proxy listening on https:\/\/127\.0\.0\.1:(\d+)/, 'berth serve with a proxy section'))[1]);
    const creds = `${USER}:${PASSWORD}`;
    const fronts: [Registry, Registry] = [
      { ...reference, label: 'reference', address: `127.0.0.1:${nginx.port}`, url: `https://127.0.0.1:${nginx.port}`, pid: nginx.pid, alsoPids: [reference.pid], creds, certDir },
      { ...berth, label: 'berth', address: `127.0.0.1:${proxyPort}`, url: `https://127.0.0.1:${proxyPort}`, creds, certDir },
    ];
    for (const front of fronts) await waitForTls(`${front.url}/v2/`, certs.files.caCert, `${front.label} TLS front`, front.label === 'berth' ? berth.output : nginx.output);
    ctx.log(`  nginx on ${fronts[0].address} -> reference ${reference.address}; berth proxy on ${fronts[1].address} -> berth ${berth.address}`);

    const pushed = await pushPullRows(ctx, fronts, 'large', sizes.large, largeReps, {
      section: SECTION,
      otherLabel: 'nginx + reference',
      nameSuffix: 'through the TLS proxy',
      pushTarget: { on: 'ratio', op: '<=', value: 0.8 },
      pullTarget: { on: 'ratio', op: '<=', value: 0.8 },
    });
    if (!pushed) return;
    const row: Row = {
      section: SECTION,
      name: 'authenticated manifest GET rate (TLS)',
      kind: 'rate',
      unit: 'req/s',
      berth: [],
      otherLabel: 'nginx + reference',
      other: [],
      target: { on: 'ratio', op: '>=', value: 5 },
      note: `wrk -t2 -c32 -d${wrkSeconds}s over TLS (keep-alive) with a Basic Authorization header (bcrypt cost 5)`,
    };
    const authorization = `Basic ${Buffer.from(creds).toString('base64')}`;
    await measureRows(ctx, [row], reps, async () => {
      for (const front of fronts) {
        const options = { method: 'GET' as const, headers: { Accept: MANIFEST_ACCEPT, Authorization: authorization }, threads: 2, connections: 32, seconds: wrkSeconds };
        record(row, front, await wrkRate(`${front.url}/v2/${pushed.repo}/manifests/v1`, options, ctx.scratch));
      }
    });
  } finally {
    await berth.stop();
    await nginx.stop();
    await reference.stop();
    await rm(dir, { recursive: true, force: true });
  }
}
