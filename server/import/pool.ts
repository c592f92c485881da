/**
 * Runs `fn` over `items` with at most `limit` in flight. Store writes are small and each waits on an
 * fsync, so a few at once overlap those waits. On the first failure no new item starts, and the promise
 * settles only after those already running have finished: nothing is still writing once it rejects.
 */
export async function forEachLimit<T>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  let failure: { error: unknown } | undefined;
  const worker = async (): Promise<void> => {
    while (failure === undefined && next < items.length) {
      const index = next++;
      try {
        await fn(items[index] as T, index);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  if (failure) throw failure.error;
}
