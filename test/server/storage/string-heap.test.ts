import { describe, expect, it } from 'vitest';
import { StringHeap } from '../../../server/storage/string-heap.js';

const byteOrder = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

describe('StringHeap', () => {
  it('pops in byte order and peeks the k smallest, for many random sets (duplicates and the empty heap too)', () => {
    const alphabet = ['a', 'b', '-', '.', '/', '0', 'z'];
    for (let round = 0; round < 300; round++) {
      const heap = new StringHeap();
      const values = Array.from({ length: round % 70 }, (_, i) =>
        Array.from({ length: 1 + ((i * 7 + round) % 4) }, (_, j) => alphabet[(i * 31 + j * 17 + round * 13) % alphabet.length]).join(''),
      );
      for (const v of values) heap.push(v);
      const sorted = [...values].sort(byteOrder);
      for (const k of [0, 1, 5, 16, 100]) expect(heap.smallest(k)).toEqual(sorted.slice(0, k));
      const popped: string[] = [];
      for (let v = heap.pop(); v !== undefined; v = heap.pop()) popped.push(v);
      expect(popped).toEqual(sorted);
    }
  });
});
