/** A binary min-heap of strings in byte order (JavaScript's `<` on names of ASCII characters). */
export class StringHeap {
  private readonly items: string[] = [];

  push(value: string): void {
    const items = this.items;
    let i = items.push(value) - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if ((items[parent] as string) <= value) break;
      items[i] = items[parent] as string;
      i = parent;
    }
    items[i] = value;
  }

  /** The `count` smallest items, smallest first, without removing them (for reading ahead). */
  smallest(count: number): string[] {
    const items = this.items;
    const out: string[] = [];
    // A node is only a candidate once its parent was taken: the k smallest lie within k levels of the root.
    const candidates = items.length > 0 ? [0] : [];
    while (out.length < count && candidates.length > 0) {
      let best = 0;
      for (let c = 1; c < candidates.length; c++) if ((items[candidates[c] as number] as string) < (items[candidates[best] as number] as string)) best = c;
      const index = candidates[best] as number;
      candidates[best] = candidates[candidates.length - 1] as number;
      candidates.pop();
      out.push(items[index] as string);
      for (const child of [2 * index + 1, 2 * index + 2]) if (child < items.length) candidates.push(child);
    }
    return out;
  }

  pop(): string | undefined {
    const items = this.items;
    const top = items[0];
    const last = items.pop();
    if (items.length === 0 || last === undefined) return top;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= items.length) break;
      const right = left + 1;
      const child = right < items.length && (items[right] as string) < (items[left] as string) ? right : left;
      if ((items[child] as string) >= last) break;
      items[i] = items[child] as string;
      i = child;
    }
    items[i] = last;
    return top;
  }
}
