import * as fs from 'node:fs/promises';
import * as nodePath from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RegistryListeners } from '../../electron/services/registry-listeners.js';
import { resolveConfig } from '../../server/config.js';
import { LocalDriver } from '../../server/storage/drivers/local.js';
import { createStore } from '../../server/storage/store.js';
import { removeDir, scratchDir } from '../support/berth.js';
import { pushBlob, putManifest, sha256, startTestRegistry, type TestRegistry } from '../support/registry-client.js';

/** The desktop app and `berth console` start the registry through RegistryListeners: `mirrors:` must work there too. */
describe('RegistryListeners with mirrors in the configuration', () => {
  let upstream: TestRegistry;
  let dir: string;
  let listeners: RegistryListeners;

  beforeEach(async () => {
    upstream = await startTestRegistry();
    dir = scratchDir('berth-listeners-mirror-');
    listeners = new RegistryListeners(() => undefined);
  });

  afterEach(async () => {
    await listeners.stop();
    await upstream.close();
    removeDir(dir);
  });

  it('pulls a manifest through the configured upstream, and again after a restart of the listeners', async () => {
    const config = Buffer.from('{"a":1}');
    await pushBlob(upstream.url, 'lib/app', config);
    const manifest = JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json', config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: sha256(config), size: config.byteLength }, layers: [] });
    expect((await putManifest(upstream.url, 'lib/app', 'v1', manifest, 'application/vnd.oci.image.manifest.v1+json')).status).toBe(201);

    const file = nodePath.join(dir, 'berth.yml');
    await fs.writeFile(file, `addr: 127.0.0.1:0\nmirrors:\n  - prefix: up\n    url: ${upstream.url}\n`);
    const berthConfig = resolveConfig({ file, env: {}, flags: { storage: { path: nodePath.join(dir, 'store') } } });
    await fs.mkdir(berthConfig.storage.path);
    const store = createStore(new LocalDriver(berthConfig.storage.path));
    for (let start = 0; start < 2; start++) {
      await listeners.start(store, berthConfig);
      const res = await fetch(`http://127.0.0.1:${listeners.registryAddress?.port}/v2/up/lib/app/manifests/v1`);
      expect(res.status).toBe(200);
      expect(await res.text()).toBe(manifest);
      const blob = await fetch(`http://127.0.0.1:${listeners.registryAddress?.port}/v2/up/lib/app/blobs/${sha256(config)}`);
      expect(Buffer.from(await blob.arrayBuffer()).equals(config)).toBe(true);
      await listeners.stop();
    }
  });
});
