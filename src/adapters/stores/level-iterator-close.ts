import { createRequire } from 'node:module';

interface ClosableIterator {
  close(): Promise<void>;
  return?: () => Promise<{ done: true; value: undefined }>;
}

interface AbstractLevelModule {
  AbstractKeyIterator: { prototype: ClosableIterator };
  AbstractValueIterator: { prototype: ClosableIterator };
}

/** The abstract-level dynalite's LevelDB is built on: resolved from dynalite, so it is that copy. */
function dynalitesAbstractLevel(): AbstractLevelModule {
  const fromDynalite = createRequire(createRequire(import.meta.url).resolve('dynalite'));
  const fromLevel = createRequire(fromDynalite.resolve('level'));
  const fromClassicLevel = createRequire(fromLevel.resolve('classic-level'));
  return fromClassicLevel('abstract-level') as AbstractLevelModule;
}

let applied = false;

/**
 * dynalite turns LevelDB iterators into streams and, when a stream ends or is dropped, closes the
 * iterator with `iterator.return()`: the async-generator protocol, which abstract-level 3's
 * iterators do not have (they have `close()`). So no Query or Scan ever closed its iterator. An
 * open LevelDB iterator pins the version of the data it started on, which keeps every overwritten
 * copy of an item and every compacted table file alive (on disk and mapped into memory) until the
 * database closes: the embedded store grew by the whole size of every write, hundreds of MB over a
 * day's alerts, while holding a few MB of data. Giving the iterators the `return()` dynalite calls
 * closes each one when its stream ends. Idempotent, and a no-op should a later abstract-level
 * define `return()` itself.
 */
export function closeLevelIteratorsOnReturn(): void {
  if (applied) return;
  applied = true;
  const { AbstractKeyIterator, AbstractValueIterator } = dynalitesAbstractLevel();
  // Both extend abstract-level's (unexported) CommonIterator, where next() and close() live.
  const common = Object.getPrototypeOf(AbstractValueIterator.prototype) as ClosableIterator;
  for (const proto of new Set([common, Object.getPrototypeOf(AbstractKeyIterator.prototype) as ClosableIterator])) {
    if (typeof proto.return === 'function') continue;
    Object.defineProperty(proto, 'return', {
      configurable: true,
      writable: true,
      value: async function (this: ClosableIterator) {
        await this.close();
        return { done: true, value: undefined };
      },
    });
  }
}
