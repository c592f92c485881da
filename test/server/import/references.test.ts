import { describe, expect, it } from 'vitest';
import { parseOverride, parseReference, targetOf, untaggedRepository } from '../../../server/import/references.js';

describe('image references from archives', () => {
  it.each([
    ['busybox:latest', { repository: 'busybox', tag: 'latest' }],
    ['docker.io/library/busybox:1.36', { repository: 'busybox', tag: '1.36' }],
    ['docker.io/someone/app:2', { repository: 'someone/app', tag: '2' }],
    ['localhost:5000/team/app:v1', { repository: 'team/app', tag: 'v1' }],
    ['127.0.0.1:5000/x/y', { repository: 'x/y' }],
    ['ghcr.io/org/tool@sha256:' + 'a'.repeat(64), { repository: 'org/tool' }],
    ['quay.io/library/app:1', { repository: 'library/app', tag: '1' }],
    ['Upper/Case:1', undefined],
    ['a/../b:1', undefined],
    ['app:bad tag', undefined],
    ['', undefined],
  ])('%s', (text, expected) => {
    expect(parseReference(text)).toEqual(expected);
  });

  it('reads an archive name without a tag as latest, and a digest-only one as untagged', () => {
    expect(targetOf('busybox', 'RepoTags')).toEqual({ repository: 'busybox', tag: 'latest' });
    expect(targetOf(`busybox@sha256:${'b'.repeat(64)}`, 'RepoTags')).toEqual({ repository: 'busybox' });
    expect(() => targetOf('NOPE', 'image 3')).toThrow(/image 3: "NOPE" is not an image reference/);
  });

  it('accepts --tag repo or repo:tag, never a digest', () => {
    expect(parseOverride('mine/app')).toEqual({ repository: 'mine/app' });
    expect(parseOverride('mine/app:7')).toEqual({ repository: 'mine/app', tag: '7' });
    expect(() => parseOverride(`mine/app@sha256:${'c'.repeat(64)}`)).toThrow(/--tag .* is not a valid repository\[:tag\]/);
  });

  it('puts unnamed images under imported/<12 hex>', () => {
    expect(untaggedRepository(`sha256:0123456789abcdef${'0'.repeat(48)}`)).toBe('imported/0123456789ab');
  });
});
