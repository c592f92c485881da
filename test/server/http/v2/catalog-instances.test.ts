import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalDriver } from '../../../../server/storage/drivers/local.js';
import { createStore } from '../../../../server/storage/store.js';
import { removeDir, scratchDir, startBerth, type BerthProcess } from '../../../support/berth.js';
import { rawRequest } from '../../../support/registry-client.js';
import { pushImage } from './fixtures.js';

/**
 * `GET /v2/_catalog` answers from a list kept in memory: repositories another process creates or deletes in
 * the same store must show at once, without a restart. Two instances over one folder, the second with two
 * workers (each request on a new connection, so either worker may answer), and this test's own process
 * deleting through the store directly.
 */
let root: string;
let one: BerthProcess;
let two: BerthProcess;
beforeAll(async () => {
  root = scratchDir('berth-catalog-instances-');
  [one, two] = await Promise.all([startBerth({ root }), startBerth({ root, args: ['--workers', '2'] })]);
}, 240_000);
afterAll(async () => {
  await Promise.all([one?.stop(), two?.stop()]);
  removeDir(root);
});

async function catalog(instance: BerthProcess, query = ''): Promise<{ names: string[]; link: string | undefined }> {
  const res = await rawRequest(instance.port, 'GET', `/v2/_catalog${query}`);
  expect(res.status).toBe(200);
  return { names: (JSON.parse(res.body.toString()) as { repositories: string[] }).repositories, link: res.headers.link as string | undefined };
}

/** Several requests, each on its own connection: every worker that answers must agree. */
async function everyAnswer(instance: BerthProcess): Promise<string[]> {
  const answers = new Set<string>();
  for (let i = 0; i < 6; i++) answers.add(JSON.stringify((await catalog(instance)).names));
  expect(answers.size, `answers: ${[...answers].join(' | ')}`).toBe(1);
  return JSON.parse([...answers][0] as string) as string[];
}

describe('_catalog across instances and workers over one store', () => {
  it('shows repositories pushed to the other instance, and forgets deleted ones, without a restart', async () => {
    expect(await everyAnswer(one)).toEqual([]);
    expect(await everyAnswer(two)).toEqual([]);

    await pushImage(one.url, 'team/first', 'v1');
    expect(await everyAnswer(two)).toEqual(['team/first']);
    await pushImage(one.url, 'team/second', 'v1');
    expect(await everyAnswer(two)).toEqual(['team/first', 'team/second']);
    expect(await catalog(two, '?n=1')).toEqual({ names: ['team/first'], link: '</v2/_catalog?last=team%2Ffirst&n=1>; rel="next"' });
    expect(await catalog(two, '?n=1&last=team%2Ffirst')).toEqual({ names: ['team/second'], link: undefined });

    await pushImage(two.url, 'a/from-two', 'v1');
    expect(await everyAnswer(one)).toEqual(['a/from-two', 'team/first', 'team/second']);

    // A third process (this one) deletes a repository the first instance created and still lists from memory.
    await createStore(new LocalDriver(root)).repositories.deleteRepository('team/first');
    expect(await everyAnswer(one)).toEqual(['a/from-two', 'team/second']);
    expect(await everyAnswer(two)).toEqual(['a/from-two', 'team/second']);

    // Pushed again to the instance whose memory still had it before the delete.
    await pushImage(one.url, 'team/first', 'v2');
    expect(await everyAnswer(two)).toEqual(['a/from-two', 'team/first', 'team/second']);
    expect(await everyAnswer(one)).toEqual(['a/from-two', 'team/first', 'team/second']);
  });
});
