import { describe, expect, it } from 'vitest';
import { answerQuery } from '../../../server/catalog/list-query.js';
import { naturalCompare } from '../../../server/catalog/natural-order.js';

describe('natural, semver-aware name order', () => {
  it('orders versions and numbered names as people read them', () => {
    const names = ['v1.10.0', 'latest', 'v1.2.0', 'v1.9.0', '1.0.0', '1.0.0-rc.2', '1.0.0-rc.10', '1.0.0-alpha', 'build-10', 'build-2', 'Build-3', 'v2.0.0+meta'];
    expect([...names].sort(naturalCompare)).toEqual(['1.0.0-alpha', '1.0.0-rc.2', '1.0.0-rc.10', '1.0.0', 'build-2', 'Build-3', 'build-10', 'latest', 'v1.2.0', 'v1.9.0', 'v1.10.0', 'v2.0.0+meta']);
  });

  it('is what the catalog sorts tags by, both ways', () => {
    const rows = ['v1.10.0', 'v1.2.0', 'v1.9.0'].map((name) => ({ key: { name, lastPushed: 0, size: 0 }, haystack: name, value: () => name }));
    expect(answerQuery(rows, { sort: 'name' }).items).toEqual(['v1.2.0', 'v1.9.0', 'v1.10.0']);
    expect(answerQuery(rows, { sort: 'name', direction: 'desc' }).items).toEqual(['v1.10.0', 'v1.9.0', 'v1.2.0']);
  });
});
