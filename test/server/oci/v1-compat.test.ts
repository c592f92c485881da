import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { canonicalJson, chainIds, topV1Config, v1CompatChain } from '../../../server/oci/v1-compat.js';

/**
 * The v1 ids of a v2 image, checked against JSON written out by hand here and hashed here: the expected
 * values never come from the code under test.
 */
const hex = (text: string): string => createHash('sha256').update(text).digest('hex');
const D1 = `sha256:${'1'.repeat(64)}`;
const D2 = `sha256:${'2'.repeat(64)}`;
const D3 = `sha256:${'3'.repeat(64)}`;

const CONFIG = {
  architecture: 'amd64',
  os: 'linux',
  created: '2026-01-02T03:04:05Z',
  author: 'someone',
  config: { Env: ['PATH=/bin'], Cmd: ['/bin/sh'], Labels: { b: '2', a: '1' } },
  rootfs: { type: 'layers', diff_ids: [D1, D2, D3] },
  history: [{ created_by: 'one' }, { created_by: 'two' }, { created_by: 'three' }],
};

describe('chainIds', () => {
  it('is the first diff id, then sha256 of "<previous> <diff id>"', () => {
    const c2 = `sha256:${hex(`${D1} ${D2}`)}`;
    const c3 = `sha256:${hex(`${c2} ${D3}`)}`;
    expect(chainIds([D1, D2, D3])).toEqual([D1, c2, c3]);
    expect(chainIds([])).toEqual([]);
  });
});

describe('canonicalJson', () => {
  it('sorts keys at every level, keeps array order and writes no whitespace', () => {
    expect(canonicalJson({ z: 1, a: { y: [3, { d: 1, c: 2 }], b: null }, m: 'x' })).toBe('{"a":{"b":null,"y":[3,{"c":2,"d":1}]},"m":"x","z":1}');
  });
});

describe('v1CompatChain: moby CreateID over the v1 config, the chain id and the parent', () => {
  const c2 = `sha256:${hex(`${D1} ${D2}`)}`;
  const c3 = `sha256:${hex(`${c2} ${D3}`)}`;
  const id1 = hex(`{"created":"1970-01-01T00:00:00Z","layer_id":"${D1}"}`);
  const id2 = hex(`{"created":"1970-01-01T00:00:00Z","layer_id":"${c2}","parent":"sha256:${id1}"}`);
  const id3 = hex(
    `{"architecture":"amd64","author":"someone","config":{"Cmd":["/bin/sh"],"Env":["PATH=/bin"],"Labels":{"a":"1","b":"2"}},` +
      `"created":"2026-01-02T03:04:05Z","layer_id":"${c3}","os":"linux","parent":"sha256:${id2}"}`,
  );

  it('gives each layer the id of its hand-written v1 config, root first', () => {
    const chain = v1CompatChain(CONFIG, [D1, D2, D3]);
    expect(chain.map((c) => c.id)).toEqual([id1, id2, id3]);
    expect(chain.map((c) => c.parent)).toEqual([undefined, id1, id2]);
    expect(chain.map((c) => c.chainId)).toEqual([D1, c2, c3]);
    expect(chain.map((c) => c.diffId)).toEqual([D1, D2, D3]);
  });

  it('serves id and parent, then the v1 config: epoch for the layers below, the image settings on top', () => {
    const chain = v1CompatChain(CONFIG, [D1, D2, D3]);
    expect(JSON.parse(chain[0]?.json.toString() ?? '')).toEqual({ id: id1, created: '1970-01-01T00:00:00Z' });
    expect(JSON.parse(chain[1]?.json.toString() ?? '')).toEqual({ id: id2, parent: id1, created: '1970-01-01T00:00:00Z' });
    expect(JSON.parse(chain[2]?.json.toString() ?? '')).toEqual({
      id: id3,
      parent: id2,
      architecture: 'amd64',
      os: 'linux',
      created: '2026-01-02T03:04:05Z',
      author: 'someone',
      config: CONFIG.config,
    });
    // `id` and `parent` come first, as `docker save` writes them.
    expect(chain[2]?.json.toString().startsWith(`{"id":"${id3}","parent":"${id2}",`)).toBe(true);
  });

  it('a single-layer image: no parent, the settings and the layer id only', () => {
    const config = { os: 'linux', architecture: 'arm64', variant: 'v8', rootfs: { type: 'layers', diff_ids: [D2] } };
    const [only] = v1CompatChain(config, [D2]);
    expect(only?.id).toBe(hex(`{"architecture":"arm64","layer_id":"${D2}","os":"linux","variant":"v8"}`));
    expect(only?.parent).toBeUndefined();
  });

  it('ignores the config key order, its non-V1Image fields and any id or parent it carries', () => {
    const shuffled = {
      history: [],
      parent: 'f'.repeat(64),
      id: 'e'.repeat(64),
      rootfs: { diff_ids: [D1, D2, D3], type: 'layers' },
      config: { Labels: { a: '1', b: '2' }, Cmd: ['/bin/sh'], Env: ['PATH=/bin'] },
      author: 'someone',
      created: '2026-01-02T03:04:05Z',
      os: 'linux',
      architecture: 'amd64',
      unknown_field: 'x',
    };
    expect(v1CompatChain(shuffled, [D1, D2, D3]).map((c) => c.id)).toEqual([id1, id2, id3]);
    expect(topV1Config(shuffled)).not.toHaveProperty('id');
    expect(topV1Config(shuffled)).not.toHaveProperty('parent');
  });

  it('images on one base share the base ids; different settings or layers give a different top', () => {
    const other = v1CompatChain({ ...CONFIG, config: { Cmd: ['/other'] } }, [D1, D2, D3]);
    expect(other.slice(0, 2).map((c) => c.id)).toEqual([id1, id2]);
    expect(other[2]?.id).not.toBe(id3);
    // The same diff id twice is two layers with two ids (the chain differs).
    const twice = v1CompatChain(CONFIG, [D1, D1]);
    expect(twice[0]?.id).toBe(id1);
    expect(twice[1]?.id).not.toBe(id1);
  });

  it('is deterministic: the same input gives the same ids and bytes every time', () => {
    const a = v1CompatChain(CONFIG, [D1, D2, D3]);
    const b = v1CompatChain(structuredClone(CONFIG), [D1, D2, D3]);
    expect(b.map((c) => [c.id, c.json.toString()])).toEqual(a.map((c) => [c.id, c.json.toString()]));
  });
});
