import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BerthProcess } from '../support/berth.js';
import { startTwoInstances, type TwoInstances } from '../support/s3.js';
import { rawRequest } from '../support/registry-client.js';
import { pushImage } from '../server/http/v2/fixtures.js';

/**
 * `GET /v2/_catalog` over one bucket of a real S3-compatible store (OpenStack Swift) shared by two instances:
 * each answers from its list of names in memory, so a repository the other instance creates, or empties
 * (on S3 a repository whose last link is deleted is gone: folders are only key prefixes), must show at once.
 */
describe('_catalog on S3 (two instances, one bucket)', () => {
  let instances: TwoInstances | undefined;
  let a: BerthProcess;
  let b: BerthProcess;

  beforeAll(async () => {
    instances = await startTwoInstances();
    ({ a, b } = instances);
  });

  afterAll(async () => {
    await instances?.stop();
  });

  async function catalog(berth: BerthProcess): Promise<string[]> {
    const res = await rawRequest(berth.port, 'GET', '/v2/_catalog');
    expect(res.status).toBe(200);
    return (JSON.parse(res.body.toString()) as { repositories: string[] }).repositories;
  }

  async function remove(berth: BerthProcess, path: string): Promise<void> {
    expect((await rawRequest(berth.port, 'DELETE', path)).status).toBe(202);
  }

  it('shows repositories the other instance creates and empties, without a restart', async () => {
    expect(await catalog(a)).toEqual([]);
    expect(await catalog(b)).toEqual([]);
    const pushed = await pushImage(a.url, 's3/one', 'v1');
    expect(await catalog(b)).toEqual(['s3/one']);
    await pushImage(b.url, 's3/two', 'v1');
    expect(await catalog(a)).toEqual(['s3/one', 's3/two']);
    expect(await catalog(b)).toEqual(['s3/one', 's3/two']);

    // Deleting the manifest (and its tag) and both blob links leaves no key under the repository.
    await remove(a, `/v2/s3/one/manifests/${pushed.digest}`);
    await remove(a, `/v2/s3/one/blobs/${pushed.blobs.config.digest}`);
    expect(await catalog(b)).toEqual(['s3/one', 's3/two']);
    await remove(a, `/v2/s3/one/blobs/${pushed.blobs.layer.digest}`);
    expect(await catalog(a)).toEqual(['s3/two']);
    expect(await catalog(b)).toEqual(['s3/two']);
  });
});
