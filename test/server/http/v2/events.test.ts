import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RegistryEvents } from '../../../../server/storage/repo-store.js';
import { putManifest, rawRequest, sha256, startTestRegistry, type TestRegistry } from '../../../support/registry-client.js';
import { imageManifest, MT, pushImageBlobs } from './fixtures.js';

type Pushed = Parameters<RegistryEvents['pushed']>[0];
type Deleted = Parameters<RegistryEvents['deleted']>[0];

let reg: TestRegistry;
const pushed: Pushed[] = [];
const deleted: Deleted[] = [];
beforeAll(async () => {
  reg = await startTestRegistry();
  reg.store.events.on('pushed', (e) => pushed.push(e));
  reg.store.events.on('deleted', (e) => deleted.push(e));
});
afterAll(() => reg.close());

describe('registry events', () => {
  it('pushed on manifest PUT by tag and by digest; deleted on tag and manifest DELETE; none for rejected PUTs', async () => {
    const blobs = await pushImageBlobs(reg.url, 'ev/app');
    // Blob uploads are not manifest pushes.
    expect(pushed).toEqual([]);
    const body = imageManifest(blobs, { mediaType: MT.dockerManifest });
    const digest = sha256(body);
    expect((await putManifest(reg.url, 'ev/app', 'v1', body, MT.dockerManifest)).status).toBe(201);
    expect(pushed).toEqual([{ repository: 'ev/app', digest, tag: 'v1', mediaType: MT.dockerManifest }]);

    const second = imageManifest(blobs, { extra: { annotations: { n: '2' } } });
    expect((await putManifest(reg.url, 'ev/app', sha256(second), second, MT.ociManifest)).status).toBe(201);
    expect(pushed[1]).toEqual({ repository: 'ev/app', digest: sha256(second), tag: undefined, mediaType: MT.ociManifest });

    expect((await putManifest(reg.url, 'ev/app', 'bad', 'garbage', MT.ociManifest)).status).toBe(400);
    expect(pushed).toHaveLength(2);

    expect((await rawRequest(reg.port, 'DELETE', '/v2/ev/app/manifests/v1')).status).toBe(202);
    expect(deleted).toEqual([{ repository: 'ev/app', tag: 'v1' }]);
    expect((await rawRequest(reg.port, 'DELETE', `/v2/ev/app/manifests/${digest}`)).status).toBe(202);
    expect(deleted[1]).toEqual({ repository: 'ev/app', digest });
    expect((await rawRequest(reg.port, 'DELETE', `/v2/ev/app/manifests/${digest}`)).status).toBe(404);
    expect(deleted).toHaveLength(2);
  });
});
