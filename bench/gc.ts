import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/** Looked up once, on first use. */
let found: { gc?: () => void } | undefined;

function findGc(): (() => void) | undefined {
  if (typeof globalThis.gc === 'function') return globalThis.gc;
  // `npm run bench` runs without --expose-gc. As jest's leak detector does, set the flag at run
  // time and take `gc` from a context created after it; then turn the flag off again.
  try {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as unknown;
    setFlagsFromString('--no-expose-gc');
    return typeof gc === 'function' ? (gc as () => void) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A full garbage collection, so that a heap reading shows what is live rather than what the
 * collector has not got round to yet. Returns false when no collection could be forced.
 */
export function collectGarbage(): boolean {
  found ??= { gc: findGc() };
  found.gc?.();
  return found.gc !== undefined;
}
