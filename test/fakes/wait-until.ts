/**
 * Resolves with the first value `find` returns (checked now, then each time one of `listeners`
 * fires: the fake calls them whenever something arrives); rejects after `timeoutMs` with
 * `describe()`, which says what did arrive.
 */
export function waitUntil<T>(listeners: Set<() => void>, find: () => T | undefined, timeoutMs: number, describe: () => string): Promise<T> {
  const found = find();
  if (found !== undefined) return Promise.resolve(found);
  return new Promise((resolve, reject) => {
    const check = () => {
      const value = find();
      if (value === undefined) return;
      cleanup();
      resolve(value);
    };
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(describe()));
    }, timeoutMs);
    const cleanup = () => {
      clearTimeout(timer);
      listeners.delete(check);
    };
    listeners.add(check);
  });
}
