import { readFileSync } from 'node:fs';
import * as nodePath from 'node:path';
import tar from 'tar-stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importArchive } from '../../server/import/index.js';
import { LocalDriver } from '../../server/storage/drivers/local.js';
import { createStore, type Store } from '../../server/storage/store.js';
import { removeDir, scratchDir, startBerth } from '../support/berth.js';
import { containersStorage, startContainerd, type Containerd } from '../support/container-tools.js';
import { startDockerd, type Dockerd } from '../support/dockerd.js';
import { randomLayer, writeDockerArchive, type TestLayer } from '../support/images.js';
import { okOutput, run } from '../support/run.js';
import { json, sha256, writeTar, type TarEntry } from '../server/import/archives.js';
import { skopeo } from './clients.js';

const APP = 'app/web:1.0';
const BASE = 'base/centos:7';

/** A tar's entries in memory (small test archives only): name → bytes, and name → symlink or hard link target. */
async function readTar(file: string): Promise<{ files: Map<string, Buffer>; links: Map<string, string> }> {
  const extract = tar.extract();
  const files = new Map<string, Buffer>();
  const links = new Map<string, string>();
  const done = (async () => {
    for await (const entry of extract) {
      const chunks: Buffer[] = [];
      for await (const c of entry as AsyncIterable<Buffer>) chunks.push(c);
      const name = entry.header.name.replace(/^\.\//, '');
      if (entry.header.type === 'symlink' || entry.header.type === 'link') links.set(name, entry.header.linkname ?? '');
      else if (entry.header.type === 'file') files.set(name, Buffer.concat(chunks));
    }
  })();
  extract.end(readFileSync(file));
  await done;
  return { files, links };
}

const shortRef = (ref: string): string => ref.replace(/^(docker\.io|localhost)\//, '').replace(/^library\//, '');

/**
 * The image IDs an archive itself holds, by reference: what the tool that wrote it would load. Read here
 * from the tar without Berth's code. containers/image (podman, buildah, skopeo) re-serializes a config it
 * converts, so those IDs differ from the source's; what must hold is that Berth keeps the archive's.
 */
async function archiveImageIds(file: string): Promise<Map<string, string>> {
  const { files, links } = await readTar(file);
  const read = (name: string): Buffer => {
    let at = name;
    for (let hops = 0; links.has(at) && hops < 8; hops++) at = nodePath.posix.normalize(nodePath.posix.join(nodePath.posix.dirname(at), links.get(at) as string));
    return files.get(at) as Buffer;
  };
  const out = new Map<string, string>();
  if (files.has('index.json') && files.has('oci-layout')) {
    const index = JSON.parse(read('index.json').toString()) as { manifests: { digest: string; annotations?: Record<string, string> }[] };
    for (const d of index.manifests) {
      const name = d.annotations?.['io.containerd.image.name'] ?? d.annotations?.['org.opencontainers.image.ref.name'];
      const manifest = JSON.parse(read(`blobs/sha256/${d.digest.slice(7)}`).toString()) as { config: { digest: string } };
      if (name !== undefined) out.set(shortRef(name), manifest.config.digest);
    }
  } else {
    for (const image of JSON.parse(read('manifest.json').toString()) as { Config: string; RepoTags: string[] }[]) {
      for (const ref of image.RepoTags) out.set(shortRef(ref), sha256(read(image.Config)));
    }
  }
  return out;
}

/**
 * Every archive real tools write is imported, and `docker pull` from Berth gives back the same image IDs:
 * an app image built on a base image (sharing its layer), saved by Docker 20.10 (which links the shared
 * layer), by Docker 25+ (OCI layout, written here by hand: no such engine is installable), podman (docker-
 * and oci-archive, multi-image), buildah (oci- and docker-archive), skopeo (--all to oci-archive) and
 * containerd's ctr.
 */
describe('import of the archives real tools write', () => {
  let dockerd: Dockerd;
  let containerd: Containerd;
  let cs: ReturnType<typeof containersStorage>;
  let work: string;
  let source: string;
  const ids = new Map<string, string>();

  beforeAll(async () => {
    work = scratchDir('berth-import-tools-');
    source = nodePath.join(work, 'source.tar');
    const shared: TestLayer = randomLayer(300 * 1024, 'base.bin');
    const [appId, baseId] = await writeDockerArchive(source, [
      { repoTags: [APP], layers: [shared, randomLayer(100 * 1024, 'app.bin')] },
      { repoTags: [BASE], layers: [shared] },
    ]);
    ids.set(APP, appId as string).set(BASE, baseId as string);
    [dockerd, containerd] = await Promise.all([startDockerd(), startContainerd()]);
    cs = containersStorage();
    okOutput(await dockerd.docker(['load', '-i', source]));
    okOutput(await cs.podman(['load', '-i', source]));
  });

  afterAll(async () => {
    await Promise.all([dockerd?.stop(), containerd?.stop()]);
    cs?.remove();
    if (work) removeDir(work);
  });

  /**
   * Imports into a fresh root, serves it, and pulls each image with the engine: its ID must be the one the
   * archive holds (and, where the tool keeps configs as they are, the source's own).
   */
  const importAndPull = async (archive: string, refs: readonly string[], options: { keepsSourceIds: boolean; plainTar?: string; check?: (store: Store) => Promise<void> }): Promise<void> => {
    const held = await archiveImageIds(options.plainTar ?? archive);
    const expected = new Map(refs.map((ref) => [ref, held.get(ref)]));
    for (const ref of refs) expect(expected.get(ref), `${ref} in ${nodePath.basename(archive)}`).toMatch(/^sha256:[a-f0-9]{64}$/);
    if (options.keepsSourceIds) for (const ref of refs) expect(expected.get(ref), ref).toBe(ids.get(ref));
    const root = scratchDir('berth-import-tools-root-');
    try {
      const store = createStore(new LocalDriver(root));
      const summary = await importArchive(store, { path: archive });
      await options.check?.(store);
      for (const ref of refs) {
        const [repository, tag] = ref.split(':') as [string, string];
        expect(summary.images.find((i) => i.repository === repository && i.tags.includes(tag))?.imageId, ref).toBe(expected.get(ref));
      }
      const berth = await startBerth({ root });
      try {
        for (const ref of refs) {
          const remote = `${berth.address}/${ref}`;
          okOutput(await dockerd.docker(['pull', remote]));
          expect(okOutput(await dockerd.docker(['image', 'inspect', '--format', '{{.Id}}', remote])), ref).toBe(expected.get(ref));
          okOutput(await dockerd.docker(['rmi', remote]));
        }
      } finally {
        await berth.stop();
      }
    } finally {
      removeDir(root);
    }
  };

  it('Docker 20.10: docker save of an app and its base, the shared layer written once and symlinked', async () => {
    const archive = nodePath.join(work, 'docker20.tar');
    okOutput(await dockerd.docker(['save', '-o', archive, APP, BASE]));
    const { links } = await readTar(archive);
    // What the issue saw: the second image's <id>/layer.tar is a relative symlink to the first one's.
    expect([...links].some(([name, target]) => /^[a-f0-9]{64}\/layer\.tar$/.test(name) && /^\.\.\/[a-f0-9]{64}\/layer\.tar$/.test(target))).toBe(true);
    await importAndPull(archive, [APP, BASE], {
      keepsSourceIds: true,
      // The v1 records follow the link too: each image's chain of legacy ids, root first.
      check: async (store) => {
        for (const [repository, tag, layers] of [['app/web', '1.0', 2], ['base/centos', '7', 1]] as const) {
          const top = (await store.v1.listTags(repository)).get(tag);
          expect(top, `v1 tag ${repository}:${tag}`).toMatch(/^[a-f0-9]{64}$/);
          expect((await store.v1.getImage(top as string))?.ancestry, `${repository}:${tag}`).toHaveLength(layers);
        }
      },
    });
  });

  it('Docker 25+: an OCI layout with index.json, manifest.json and blobs/sha256, as that engine writes it', async () => {
    const { files } = await readTar(source);
    const manifestJson = JSON.parse((files.get('manifest.json') as Buffer).toString()) as { Config: string; RepoTags: string[]; Layers: string[] }[];
    const blobs = new Map<string, Buffer>();
    const put = (body: Buffer): { digest: string; size: number } => {
      blobs.set(sha256(body), body);
      return { digest: sha256(body), size: body.byteLength };
    };
    const index: unknown[] = [];
    const legacy: unknown[] = [];
    for (const image of manifestJson) {
      const config = put(files.get(image.Config) as Buffer);
      const layers = image.Layers.map((l) => put(files.get(l) as Buffer));
      const manifest = put(
        json({
          schemaVersion: 2,
          mediaType: 'application/vnd.oci.image.manifest.v1+json',
          config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...config },
          layers: layers.map((l) => ({ mediaType: 'application/vnd.oci.image.layer.v1.tar', ...l })),
        }),
      );
      const ref = image.RepoTags[0] as string;
      index.push({ mediaType: 'application/vnd.oci.image.manifest.v1+json', ...manifest, annotations: { 'io.containerd.image.name': `docker.io/${ref}`, 'org.opencontainers.image.ref.name': ref.split(':')[1] } });
      legacy.push({ Config: `blobs/sha256/${config.digest.slice(7)}`, RepoTags: image.RepoTags, Layers: layers.map((l) => `blobs/sha256/${l.digest.slice(7)}`) });
    }
    const entries: TarEntry[] = [
      { name: 'blobs', type: 'directory' },
      { name: 'blobs/sha256', type: 'directory' },
      ...[...blobs].map(([digest, body]) => ({ name: `blobs/sha256/${digest.slice(7)}`, body })),
      { name: 'index.json', body: json({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests: index }) },
      { name: 'manifest.json', body: json(legacy) },
      { name: 'oci-layout', body: json({ imageLayoutVersion: '1.0.0' }) },
      { name: 'repositories', body: json({ 'app/web': { '1.0': 'x' }, 'base/centos': { '7': 'y' } }) },
    ];
    const archive = nodePath.join(work, 'docker25.tar');
    await writeTar(archive, entries);
    await importAndPull(archive, [APP, BASE], { keepsSourceIds: true });
  });

  it('podman save: docker-archive, oci-archive and --multi-image-archive', async () => {
    for (const [name, args, refs] of [
      ['podman-docker.tar', ['--format', 'docker-archive'], [APP]],
      ['podman-oci.tar', ['--format', 'oci-archive'], [APP]],
      ['podman-multi.tar', ['--multi-image-archive'], [APP, BASE]],
    ] as const) {
      const archive = nodePath.join(work, name);
      okOutput(await cs.podman(['save', ...args, '-o', archive, ...refs]));
      await importAndPull(archive, refs, { keepsSourceIds: false });
    }
  });

  it('buildah push to oci-archive: and docker-archive:', async () => {
    for (const transport of ['oci-archive', 'docker-archive']) {
      const archive = nodePath.join(work, `buildah-${transport}.tar`);
      okOutput(await cs.buildah(['push', APP, `${transport}:${archive}:${APP}`]));
      await importAndPull(archive, [APP], { keepsSourceIds: false });
    }
  });

  it('skopeo copy --all to oci-archive:', async () => {
    const archive = nodePath.join(work, 'skopeo-all.tar');
    await skopeo('copy', '--all', `docker-archive:${source}:${APP}`, `oci-archive:${archive}:${APP}`);
    await importAndPull(archive, [APP], { keepsSourceIds: false });
  });

  it('ctr images export (containerd), both images in one archive', async () => {
    okOutput(await containerd.ctr(['images', 'import', '--no-unpack', source]));
    const archive = nodePath.join(work, 'ctr.tar');
    okOutput(await containerd.ctr(['images', 'export', archive, `docker.io/${APP}`, `docker.io/${BASE}`]));
    await importAndPull(archive, [APP, BASE], { keepsSourceIds: true });
  });

  it('the same archive gzipped (.tar.gz, .tgz), zstd-compressed (.tar.zst) or with no extension imports by content', async () => {
    const archive = nodePath.join(work, 'by-content-source.tar');
    okOutput(await dockerd.docker(['save', '-o', archive, APP, BASE]));
    for (const [name, command] of [
      ['by-content.tar.gz', ['gzip', '-c']],
      ['by-content.tgz', ['gzip', '-c']],
      ['by-content.tar.zst', ['zstd', '-q', '-c']],
      ['by-content', ['cat']],
    ] as const) {
      const out = nodePath.join(work, name);
      okOutput(await run('sh', ['-c', `${command.join(' ')} < "$0" > "$1"`, archive, out]));
      await importAndPull(out, [APP, BASE], { keepsSourceIds: true, plainTar: archive });
    }
  });
});
