/**
 * `f` over `items`, at most `limit` at a time, results in the order of `items`.
 *
 * On the first failure no further item is started; the calls already running are waited
 * for (so nothing is still writing when the caller reacts to the failure, e.g. rolls back)
 * and then the first error is thrown.
 */
export async function mapConcurrently<T, R>(items: readonly T[], limit: number, f: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  let failure: { error: unknown } | undefined;
  const work = async (): Promise<void> => {
    while (!failure && next < items.length) {
      const index = next++;
      try {
        results[index] = await f(items[index] as T, index);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, work));
  if (failure) throw failure.error;
  return results;
}
