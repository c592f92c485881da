import { describe, expect, it } from 'vitest';
import { isBerthError } from '../../../server/errors/domain.js';
import { parseManifest } from '../../../server/oci/manifest.js';
import { MediaType } from '../../../server/oci/media-types.js';

const D = (c: string): string => `sha256:${c.repeat(64)}`;
const config = { mediaType: MediaType.OciConfig, digest: D('c'), size: 10 };
const layer = { mediaType: MediaType.OciLayerGzip, digest: D('1'), size: 20 };
const foreign = { mediaType: MediaType.DockerForeignLayer, digest: D('f'), size: 30, urls: ['https://example.invalid/l'] };
const buf = (doc: unknown): Buffer => Buffer.from(typeof doc === 'string' ? doc : JSON.stringify(doc));

describe('parseManifest: accepted documents', () => {
  it('an OCI manifest: blobs are config and layers, artifactType falls back to the config type', () => {
    const m = parseManifest(buf({ schemaVersion: 2, mediaType: MediaType.OciManifest, config, layers: [layer] }), MediaType.OciManifest);
    expect(m.mediaType).toBe(MediaType.OciManifest);
    expect(m.blobs.map((b) => b.digest)).toEqual([D('c'), D('1')]);
    expect(m.children).toEqual([]);
    expect(m.artifactType).toBe(MediaType.OciConfig);
  });

  it('an OCI manifest without mediaType, with or without a manifest Content-Type', () => {
    for (const ct of [undefined, MediaType.OciManifest, 'application/json']) {
      expect(parseManifest(buf({ schemaVersion: 2, config, layers: [] }), ct).mediaType).toBe(MediaType.OciManifest);
    }
  });

  it('an OCI index without mediaType is recognised by its manifests list', () => {
    const m = parseManifest(buf({ schemaVersion: 2, manifests: [{ mediaType: MediaType.OciManifest, digest: D('a'), size: 5 }] }));
    expect(m.mediaType).toBe(MediaType.OciIndex);
    expect(m.children.map((c) => c.digest)).toEqual([D('a')]);
    expect(m.blobs).toEqual([]);
    expect(m.artifactType).toBeUndefined();
  });

  it('a Docker manifest exempts foreign layers with urls from the blobs it needs', () => {
    const m = parseManifest(
      buf({ schemaVersion: 2, mediaType: MediaType.DockerManifest, config: { ...config, mediaType: MediaType.DockerConfig }, layers: [foreign, layer] }),
      MediaType.DockerManifest,
    );
    expect(m.blobs.map((b) => b.digest)).toEqual([D('c'), D('1')]);
    expect(m.layers).toHaveLength(2);
  });

  it('subject, artifactType and annotations are read', () => {
    const m = parseManifest(
      buf({ schemaVersion: 2, mediaType: MediaType.OciManifest, artifactType: 'application/x-sbom', config, layers: [], subject: { mediaType: MediaType.OciManifest, digest: D('5'), size: 1 }, annotations: { a: 'b' } }),
    );
    expect(m.subject?.digest).toBe(D('5'));
    expect(m.artifactType).toBe('application/x-sbom');
    expect(m.annotations).toEqual({ a: 'b' });
  });

  it('a Docker manifest list', () => {
    const m = parseManifest(buf({ schemaVersion: 2, mediaType: MediaType.DockerManifestList, manifests: [{ mediaType: MediaType.DockerManifest, digest: D('d'), size: 3, platform: { os: 'linux', architecture: 'arm64' } }] }));
    expect(m.mediaType).toBe(MediaType.DockerManifestList);
    expect(m.children[0]?.platform?.architecture).toBe('arm64');
  });
});

describe('parseManifest: refused documents (manifest-invalid)', () => {
  const rows: [string, unknown, string?][] = [
    ['not JSON', '{nope'],
    ['empty', ''],
    ['an array', [config]],
    ['null', 'null'],
    ['schemaVersion 1', { schemaVersion: 1, mediaType: MediaType.DockerSchema1 }],
    ['schemaVersion "2"', { schemaVersion: '2', config, layers: [] }],
    ['schema1 media type', { schemaVersion: 2, mediaType: MediaType.DockerSchema1Signed, config, layers: [] }],
    ['unknown media type', { schemaVersion: 2, mediaType: 'application/x-thing', config, layers: [] }],
    ['mediaType not a string', { schemaVersion: 2, mediaType: 7, config, layers: [] }],
    ['Content-Type disagrees with mediaType', { schemaVersion: 2, mediaType: MediaType.OciManifest, config, layers: [] }, MediaType.DockerManifest],
    ['Content-Type disagrees with the shape', { schemaVersion: 2, config, layers: [] }, MediaType.OciIndex],
    ['config missing', { schemaVersion: 2, mediaType: MediaType.OciManifest, layers: [] }],
    ['layers missing (Docker)', { schemaVersion: 2, mediaType: MediaType.DockerManifest, config }],
    ['layers not an array', { schemaVersion: 2, config, layers: {} }],
    ['descriptor without mediaType', { schemaVersion: 2, config: { digest: D('c'), size: 1 }, layers: [] }],
    ['descriptor with a bad digest', { schemaVersion: 2, config: { ...config, digest: 'sha256:xyz' }, layers: [] }],
    ['descriptor with a path digest', { schemaVersion: 2, config, layers: [{ ...layer, digest: '../../etc/passwd' }] }],
    ['negative size', { schemaVersion: 2, config: { ...config, size: -1 }, layers: [] }],
    ['fractional size', { schemaVersion: 2, config: { ...config, size: 1.5 }, layers: [] }],
    ['size as a string', { schemaVersion: 2, config: { ...config, size: '10' }, layers: [] }],
    ['urls not strings', { schemaVersion: 2, config, layers: [{ ...layer, urls: [1] }] }],
    ['annotations not strings', { schemaVersion: 2, config, layers: [], annotations: { a: 1 } }],
    ['artifactType not a string', { schemaVersion: 2, config, layers: [], artifactType: 5 }],
    ['bad subject', { schemaVersion: 2, config, layers: [], subject: { mediaType: MediaType.OciManifest, digest: 'nope', size: 1 } }],
    ['index manifests not a list', { schemaVersion: 2, mediaType: MediaType.OciIndex, manifests: 'x' }],
  ];
  it.each(rows)('%s', (_what, doc, contentType) => {
    let thrown: unknown;
    try {
      parseManifest(buf(doc), contentType);
    } catch (err) {
      thrown = err;
    }
    expect(isBerthError(thrown, 'manifest-invalid')).toBe(true);
  });
});
