/**
 * Pairs of reused, page-aligned buffers for moving file bytes: one is filled while the other is in the
 * kernel's hands (a blob GET reads the file into one while the socket takes the other; an upload copies
 * the request body into one while the file takes the other).
 *
 * The buffers live in a WebAssembly.Memory because it is page-aligned. A plain Buffer of this size
 * starts 16 bytes into a page (the allocator's header), and the kernel's copy from the page cache into a
 * buffer misaligned that way measured three times slower than into an aligned one (1 GiB GET: 1.25-1.37
 * server CPU-s against 0.58-0.79).
 */
const WASM_PAGE = 64 << 10;
/** Idle pairs kept per size for the next transfers; more concurrent ones allocate more and drop them after. */
const KEPT = 4;

export type BufferPair = readonly [Buffer, Buffer];

const idle = new Map<number, BufferPair[]>();

/** A pair of `size`-byte buffers (a multiple of 64 KiB): a kept one, or a new one. */
export function takePair(size: number): BufferPair {
  const kept = idle.get(size)?.pop();
  if (kept) return kept;
  const pages = (2 * size) / WASM_PAGE;
  let memory: ArrayBuffer;
  try {
    memory = new WebAssembly.Memory({ initial: pages, maximum: pages }).buffer;
  } catch {
    // Each memory reserves guard address space; with very many transfers at once V8 may refuse one.
    memory = new ArrayBuffer(2 * size);
  }
  return [Buffer.from(memory, 0, size), Buffer.from(memory, size, size)];
}

/** Gives a pair back once nothing reads or writes it any more (never after a failure that may leave it queued). */
export function keepPair(pair: BufferPair): void {
  const size = pair[0].byteLength;
  let list = idle.get(size);
  if (!list) idle.set(size, (list = []));
  if (list.length < KEPT) list.push(pair);
}
