import { readFileSync, truncateSync, writeFileSync } from 'node:fs';
import * as nodePath from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isBerthError } from '../../../server/errors/domain.js';
import { importArchive, type ImportOptions } from '../../../server/import/index.js';
import { LocalDriver } from '../../../server/storage/drivers/local.js';
import { createStore, type Store } from '../../../server/storage/store.js';
import { removeDir, scratchDir } from '../../support/berth.js';
import { layerTar, randomLayer } from '../../support/images.js';
import { json, sha256, storeChecksum, writeGzipBomb, writeTar, type TarEntry } from './archives.js';

const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';

interface Parts {
  layer: Buffer;
  layerName: string;
  config: Buffer;
  configName: string;
}

/** A valid legacy archive, as entries, plus a way to build variants of its manifest.json and config. */
function dockerArchive(p: Parts, edit: { manifest?: unknown; config?: Buffer; extra?: TarEntry[]; replace?: Record<string, TarEntry[]> } = {}): TarEntry[] {
  const config = edit.config ?? p.config;
  const configName = `${sha256(config).slice(7)}.json`;
  const base: TarEntry[] = [
    { name: configName, body: config },
    { name: p.layerName, body: p.layer },
    { name: 'manifest.json', body: json(edit.manifest ?? [{ Config: configName, RepoTags: ['hostile/app:1'], Layers: [p.layerName] }]) },
  ];
  const out: TarEntry[] = [];
  for (const e of base) out.push(...(edit.replace?.[e.name] ?? [e]));
  return [...out, ...(edit.extra ?? [])];
}

/** A valid OCI layout archive whose manifest can be edited before it is named in index.json. */
function ociArchive(p: Parts, edit: { layerDescriptor?: Record<string, unknown>; layerBytes?: Buffer; index?: (manifest: { mediaType: string; digest: string; size: number }) => unknown; extra?: TarEntry[] } = {}): TarEntry[] {
  const layerDigest = sha256(p.layer);
  const configDesc = { mediaType: 'application/vnd.oci.image.config.v1+json', digest: sha256(p.config), size: p.config.byteLength };
  const manifest = json({ schemaVersion: 2, mediaType: OCI_MANIFEST, config: configDesc, layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: layerDigest, size: p.layer.byteLength, ...edit.layerDescriptor }] });
  const m = { mediaType: OCI_MANIFEST, digest: sha256(manifest), size: manifest.byteLength };
  const index = edit.index?.(m) ?? { schemaVersion: 2, mediaType: OCI_INDEX, manifests: [{ ...m, annotations: { 'io.containerd.image.name': 'docker.io/hostile/oci:1' } }] };
  return [
    { name: 'oci-layout', body: json({ imageLayoutVersion: '1.0.0' }) },
    { name: `blobs/sha256/${layerDigest.slice(7)}`, body: edit.layerBytes ?? p.layer },
    { name: `blobs/sha256/${configDesc.digest.slice(7)}`, body: p.config },
    { name: `blobs/sha256/${m.digest.slice(7)}`, body: manifest },
    ...(edit.extra ?? []),
    { name: 'index.json', body: json(index) },
  ];
}

/**
 * The hostile corpus: each archive is refused with a clear `archive-invalid` error and the store (every
 * file under its root, staged files included) is exactly what it was before.
 */
describe('importArchive refuses hostile archives and changes nothing', () => {
  let work: string;
  let root: string;
  let store: Store;
  let p: Parts;

  beforeAll(async () => {
    work = scratchDir('berth-import-hostile-');
    root = nodePath.join(work, 'root');
    store = createStore(new LocalDriver(root));
    const layer = await layerTar(randomLayer(64 * 1024));
    const config = json({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [sha256(layer)] } });
    p = { layer, layerName: `${'a'.repeat(64)}/layer.tar`, config, configName: `${sha256(config).slice(7)}.json` };
    // Something real in the store, so "unchanged" means more than "still empty".
    const good = nodePath.join(work, 'good.tar');
    await writeTar(good, dockerArchive(p, { manifest: [{ Config: p.configName, RepoTags: ['present/app:1'], Layers: [p.layerName] }] }));
    await importArchive(store, { path: good });
  });

  afterAll(() => {
    if (work) removeDir(work);
  });

  const expectRefused = async (file: string, pattern: RegExp, options: ImportOptions = {}): Promise<void> => {
    const before = storeChecksum(root);
    expect(before.size).toBeGreaterThan(5);
    const err = await importArchive(store, { path: file }, options).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isBerthError(err, 'archive-invalid'), `expected archive-invalid, got ${String(err)}`).toBe(true);
    expect((err as Error).message).toMatch(pattern);
    expect(storeChecksum(root)).toEqual(before);
  };

  const tarCase = (name: string, pattern: RegExp, build: () => TarEntry[], options: ImportOptions = {}) =>
    it(name, async () => {
      const file = nodePath.join(work, `${name.replace(/\W+/g, '-')}.tar`);
      await writeTar(file, build());
      await expectRefused(file, pattern, options);
    });

  tarCase('an entry name with ..', /climbs out of the archive/, () => dockerArchive(p, { extra: [{ name: 'x/../../evil', body: Buffer.from('x') }] }));
  tarCase('an absolute entry name', /absolute path/, () => dockerArchive(p, { extra: [{ name: '/etc/evil', body: Buffer.from('x') }] }));
  // Links inside the archive are followed (Docker links a shared layer to its first copy); these are not.
  tarCase('links that form a cycle', /whose links form a cycle \("[a-f0-9]+\/layer.tar" → "x.tar" → "y.tar" → "x.tar"\)/, () =>
    dockerArchive(p, { replace: { [p.layerName]: [{ name: p.layerName, type: 'symlink', linkname: '../x.tar' }, { name: 'x.tar', type: 'symlink', linkname: 'y.tar' }, { name: 'y.tar', type: 'link', linkname: 'x.tar' }] } }),
  );
  tarCase('a chain of 17 links', /a chain of more than 16 links/, () =>
    dockerArchive(p, {
      replace: {
        [p.layerName]: [
          { name: p.layerName, type: 'symlink', linkname: '../l0' },
          ...Array.from({ length: 16 }, (_, i): TarEntry => ({ name: `l${i}`, type: 'symlink', linkname: `l${i + 1}` })),
          { name: 'l16', body: p.layer },
        ],
      },
    }),
  );
  tarCase('a link to nothing', /names "[a-f0-9]+\/layer.tar", a link to "gone.tar", which is not in the archive/, () =>
    dockerArchive(p, { replace: { [p.layerName]: [{ name: p.layerName, type: 'symlink', linkname: '../gone.tar' }] } }),
  );
  tarCase('a link to archive metadata', /a link to "manifest.json", which is archive metadata, not a blob/, () =>
    dockerArchive(p, { replace: { [p.configName]: [{ name: p.configName, type: 'link', linkname: 'manifest.json' }] } }),
  );
  tarCase('a link climbing out through another link', /outside the archive/, () =>
    dockerArchive(p, { replace: { [p.layerName]: [{ name: p.layerName, type: 'symlink', linkname: '../d/x' }, { name: 'd/x', type: 'symlink', linkname: '../../layer.tar' }] } }),
  );
  tarCase('a symlink out of the archive', /outside the archive/, () => dockerArchive(p, { extra: [{ name: 'b/layer.tar', type: 'symlink', linkname: '../../../etc/passwd' }] }));
  tarCase('an absolute symlink', /outside the archive/, () => dockerArchive(p, { extra: [{ name: 'c/layer.tar', type: 'symlink', linkname: '/etc/passwd' }] }));
  tarCase('a device entry', /is a character-device/, () => dockerArchive(p, { extra: [{ name: 'dev/null', type: 'character-device' }] }));
  tarCase('a duplicate entry', /appears twice/, () => dockerArchive(p, { extra: [{ name: p.layerName, body: p.layer }] }));
  tarCase('manifest.json naming a missing entry', /names "missing\/layer.tar", which is not in the archive/, () =>
    dockerArchive(p, { manifest: [{ Config: p.configName, RepoTags: ['hostile/app:1'], Layers: ['missing/layer.tar'] }] }),
  );
  tarCase('a layer that does not match the diff_ids', /but the config says/, () =>
    dockerArchive(p, { config: json({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [sha256('other')] } }) }),
  );
  tarCase('an OCI blob whose content does not match its name', /does not match its digest/, () => ociArchive(p, { layerBytes: Buffer.concat([p.layer.subarray(0, -1), Buffer.from('!')]) }));
  tarCase('an OCI descriptor with the wrong size', /bytes, but its descriptor says/, () => ociArchive(p, { layerDescriptor: { size: p.layer.byteLength + 1 } }));
  tarCase('an OCI index naming a non-manifest', /not an image manifest or index/, () =>
    ociArchive(p, { index: () => ({ schemaVersion: 2, mediaType: OCI_INDEX, manifests: [{ mediaType: 'application/octet-stream', digest: sha256(p.layer), size: p.layer.byteLength }] }) }),
  );
  tarCase('indexes nested too deep', /nested deeper than 8 levels/, () => {
    const extra: TarEntry[] = [];
    let top: { mediaType: string; digest: string; size: number } | undefined;
    const entries = ociArchive(p, {
      index: (m) => {
        let child = m;
        for (let i = 0; i < 12; i++) {
          const body = json({ schemaVersion: 2, mediaType: OCI_INDEX, manifests: [child] });
          child = { mediaType: OCI_INDEX, digest: sha256(body), size: body.byteLength };
          extra.push({ name: `blobs/sha256/${child.digest.slice(7)}`, body });
        }
        top = child;
        return { schemaVersion: 2, mediaType: OCI_INDEX, manifests: [top] };
      },
    });
    return [...extra, ...entries];
  });
  tarCase('manifest.json that is not JSON', /manifest.json is not valid JSON/, () => dockerArchive(p, { replace: { 'manifest.json': [{ name: 'manifest.json', body: Buffer.from('[{"Config":') }] } }));
  tarCase('manifest.json nested 100k deep', /nested deeper than 64 levels/, () =>
    dockerArchive(p, { replace: { 'manifest.json': [{ name: 'manifest.json', body: Buffer.from(`${'['.repeat(100_000)}${']'.repeat(100_000)}`) }] } }),
  );
  tarCase('manifest.json over 16 MiB', /manifest.json is \d+ bytes; the limit is 16777216/, () =>
    dockerArchive(p, { replace: { 'manifest.json': [{ name: 'manifest.json', body: Buffer.from(`[${' '.repeat(17 * 1024 * 1024)}]`) }] } }),
  );
  tarCase('more than 10,000 images', /lists 10001 images; the limit is 10000/, () =>
    dockerArchive(p, { manifest: Array.from({ length: 10_001 }, (_, i) => ({ Config: p.configName, RepoTags: [`many/app:${i}`], Layers: [p.layerName] })) }),
  );
  tarCase('an invalid repository in RepoTags', /is not an image reference Berth can store/, () =>
    dockerArchive(p, { manifest: [{ Config: p.configName, RepoTags: ['UPPER/../case:1'], Layers: [p.layerName] }] }),
  );
  tarCase('--tag for a multi-image archive', /a single --tag can only name a single-image archive/, () =>
    dockerArchive(p, {
      extra: [{ name: 'other.json', body: json({ os: 'linux', rootfs: { type: 'layers', diff_ids: [] } }) }],
      manifest: [
        { Config: p.configName, RepoTags: ['a/b:1'], Layers: [p.layerName] },
        { Config: 'other.json', RepoTags: ['a/c:1'], Layers: [] },
      ],
    }),
    { tag: 'one/name:1' },
  );
  tarCase('the pre-1.10 format', /pre-1.10/, () => [{ name: 'repositories', body: json({ a: { latest: 'a'.repeat(64) } }) }, { name: `${'a'.repeat(64)}/json`, body: json({ id: 'a'.repeat(64) }) }]);
  tarCase('a tar with no image in it', /not an image archive/, () => [{ name: 'hello.txt', body: Buffer.from('hello') }]);

  it('a truncated tar', async () => {
    const file = nodePath.join(work, 'truncated.tar');
    await writeTar(file, dockerArchive(p));
    truncateSync(file, Math.floor(readFileSync(file).byteLength * 0.6));
    await expectRefused(file, /^the archive ends early: \d+ bytes read, entry "[a-f0-9]+\/layer.tar" incomplete \(\d+ of \d+ bytes\)$/);
  });

  it('a truncated gzip', async () => {
    const file = nodePath.join(work, 'truncated.tar.gz');
    await writeTar(file, dockerArchive(p), { gzip: true });
    truncateSync(file, Math.floor(readFileSync(file).byteLength * 0.6));
    await expectRefused(file, /^the archive ends early: \d+ bytes read \(the gzip stream is cut short\), entry "[a-f0-9]+\/layer.tar" incomplete/);
  });

  it('a damaged header in the middle of the tar', async () => {
    const file = nodePath.join(work, 'damaged.tar');
    await writeTar(file, dockerArchive(p));
    const bytes = readFileSync(file);
    // The second entry's header (the first entry, the config, is one block of data after its header).
    bytes.fill(0x41, 1024 + 100, 1024 + 200);
    writeFileSync(file, bytes);
    await expectRefused(file, /^the archive is not a valid tar: after entry "[a-f0-9]{64}\.json", Invalid tar header$/);
  });

  it('something that is not a tar at all', async () => {
    const file = nodePath.join(work, 'noise.tar');
    writeFileSync(file, Buffer.alloc(4096, 'not a tar archive '));
    await expectRefused(file, /^not a tar archive: it starts with text \("not a tar archive not a tar/);
  });

  it('a gzip bomb (256 MiB of zeros in a few hundred KiB)', async () => {
    const file = nodePath.join(work, 'bomb.tar.gz');
    await writeGzipBomb(file, 256 * 1024 * 1024);
    expect(readFileSync(file).byteLength).toBeLessThan(1024 * 1024);
    await expectRefused(file, /the gzip stream expands beyond \d+ bytes .*refusing a possible compression bomb/);
  });
});
