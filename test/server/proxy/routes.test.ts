import { describe, expect, it } from 'vitest';
import { classifyRequestPath } from '../../../server/proxy/routes.js';

describe('classifyRequestPath', () => {
  it.each([
    ['/_ping', { format: 'v1', open: true }],
    ['/_ping?x=1', { format: 'v1', open: true }],
    ['/v1/_ping', { format: 'v1', open: true }],
    ['/v2', { format: 'v2', open: false }],
    ['/v2/', { format: 'v2', open: false }],
    ['/v2/library/alpine/manifests/latest', { format: 'v2', open: false }],
    ['/v2/a/blobs/sha256%3Aabc', { format: 'v2', open: false }],
    ['/v2/_catalog?n=10', { format: 'v2', open: false }],
    ['/v1/search?q=x', { format: 'v1', open: false }],
  ])('lets %j through', (url, expected) => {
    expect(classifyRequestPath(url)).toEqual(expected);
  });

  it.each([
    undefined,
    '',
    '/',
    '/admin/api',
    '/v1',
    '/v3/',
    '/v2x',
    '/_pingx',
    '/v2/../admin',
    '/v2/./x',
    '/v2/%2e%2e/admin',
    '/v2/a%2Fb',
    '/v2/a\\..\\b',
    '/v2//x',
    'http://evil/v2/',
    '*',
  ])('answers 404 for %j', (url) => {
    expect(classifyRequestPath(url)).toBeUndefined();
  });

  it('does not treat /_ping or /v1/_ping look-alikes as open', () => {
    expect(classifyRequestPath('/v1/_ping/x')).toEqual({ format: 'v1', open: false });
    expect(classifyRequestPath('/v2/_ping')).toEqual({ format: 'v2', open: false });
  });
});
