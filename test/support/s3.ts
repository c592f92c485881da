import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import * as nodePath from 'node:path';
import { removeDir, scratchDir, startBerth, type BerthProcess } from './berth.js';
import { requireTool, run } from './run.js';

const SCRIPTS = nodePath.join(import.meta.dirname, 'swift-s3');

export interface SwiftS3 {
  /** `http://127.0.0.1:PORT`: the S3 API of the running Swift proxy. */
  readonly endpoint: string;
  readonly region: string;
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  /** A new bucket with a unique name. */
  createBucket(prefix?: string): Promise<string>;
  /** An SDK client for this store, to look at a bucket from outside Berth; the caller destroys it. */
  client(): S3Client;
  /** The environment a `berth` process needs to store in `bucket` (SETTINGS_FLAVOR=s3 and the rest). */
  berthEnv(bucket: string, extra?: NodeJS.ProcessEnv): NodeJS.ProcessEnv;
  /** Stops every Swift process this helper started and removes its data. */
  stop(): Promise<void>;
}

/** Whether nothing listens on 127.0.0.1:port right now. */
const portFree = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });

/** The proxy port and four consecutive backend ports (account, container, object, memcached), all free. */
async function freePorts(): Promise<{ proxy: number; base: number }> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const base = 20_000 + Math.floor(Math.random() * 8_000) * 5;
    const proxy = base + 4;
    const checks = await Promise.all([0, 1, 2, 3, 4].map((i) => portFree(base + i)));
    if (checks.every(Boolean)) return { proxy, base };
  }
  throw new Error('no five consecutive free loopback ports found');
}

/**
 * A real OpenStack Swift with its S3 API, private to one test file: its own state folder and free loopback
 * ports. CI installs the Swift packages; a missing one fails the test.
 */
export async function startSwiftS3(): Promise<SwiftS3> {
  for (const tool of ['swift-proxy-server', 'swift-account-server', 'swift-container-server', 'swift-object-server', 'memcached']) requireTool(tool);
  const root = scratchDir('berth-swift-');
  const { proxy, base } = await freePorts();
  const env = { ...process.env, S3_ROOT: root, S3_PORT: String(proxy), S3_BASE_PORT: String(base), S3_INSTALL: '0', S3_FRESH: '1' };
  const started = await run('bash', [nodePath.join(SCRIPTS, 'start-swift-s3.sh')], { env, timeoutMs: 120_000 });
  const stop = async (): Promise<void> => {
    await run('bash', [nodePath.join(SCRIPTS, 'stop-swift-s3.sh')], { env: { ...env, S3_PURGE: '1' }, timeoutMs: 60_000 });
    removeDir(root);
  };
  if (started.code !== 0) {
    await stop();
    throw new Error(`Swift (S3) did not start:\n${started.stdout}\n${started.stderr}`);
  }
  const endpoint = `http://127.0.0.1:${proxy}`;
  const credentials = { accessKeyId: 'test:tester', secretAccessKey: 'testing' };
  const region = 'us-east-1';
  const client = (): S3Client =>
    new S3Client({ endpoint, region, forcePathStyle: true, credentials, requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED' });
  return {
    endpoint,
    region,
    ...credentials,
    createBucket: async (prefix = 'berth') => {
      const bucket = `${prefix}-${randomBytes(5).toString('hex')}`;
      const s3 = client();
      try {
        await s3.send(new CreateBucketCommand({ Bucket: bucket }));
      } finally {
        s3.destroy();
      }
      return bucket;
    },
    client,
    berthEnv: (bucket, extra = {}) => ({
      SETTINGS_FLAVOR: 's3',
      AWS_BUCKET: bucket,
      AWS_REGION: region,
      AWS_ENDPOINT_URL_S3: endpoint,
      AWS_ACCESS_KEY_ID: credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
      ...extra,
    }),
    stop,
  };
}

/** Two Berth instances over one new bucket (prefix `registry`) of a fresh Swift: what multi-instance tests start. */
export interface TwoInstances {
  readonly swift: SwiftS3;
  readonly bucket: string;
  readonly a: BerthProcess;
  readonly b: BerthProcess;
  /** Stops both instances and Swift, and removes the instances' local roots. */
  stop(): Promise<void>;
}

export async function startTwoInstances(): Promise<TwoInstances> {
  const swift = await startSwiftS3();
  const started: BerthProcess[] = [];
  const stop = async (): Promise<void> => {
    for (const berth of started) {
      await berth.stop();
      removeDir(berth.root);
    }
    await swift.stop();
  };
  try {
    const bucket = await swift.createBucket();
    const env = swift.berthEnv(bucket, { S3_PREFIX: 'registry' });
    started.push(await startBerth({ env }));
    started.push(await startBerth({ env }));
    const [a, b] = started as [BerthProcess, BerthProcess];
    return { swift, bucket, a, b, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
