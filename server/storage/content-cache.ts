/**
 * A bounded least-recently-used cache for immutable, content-addressed values (keyed by digest). Because a
 * digest names exactly one content, a cached entry can never be wrong in another worker or instance; the
 * caller still checks the repository's link before serving it.
 */
export class ContentCache<V> {
  private readonly entries = new Map<string, { value: V; cost: number }>();
  private total = 0;

  constructor(private readonly maxCost: number) {}

  get(key: string): V | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    this.entries.delete(key);
    this.entries.set(key, entry);
    return entry.value;
  }

  set(key: string, value: V, cost: number): void {
    if (cost > this.maxCost) return;
    const old = this.entries.get(key);
    if (old) {
      this.total -= old.cost;
      this.entries.delete(key);
    }
    this.entries.set(key, { value, cost });
    this.total += cost;
    for (const [k, e] of this.entries) {
      if (this.total <= this.maxCost) break;
      this.entries.delete(k);
      this.total -= e.cost;
    }
  }

  delete(key: string): void {
    const entry = this.entries.get(key);
    if (entry) {
      this.total -= entry.cost;
      this.entries.delete(key);
    }
  }
}
