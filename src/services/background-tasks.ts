import type { Logger } from 'pino';

/**
 * At most `max` tasks of one kind run at once; the rest wait their turn. Incident processing is
 * short, CPU-heavy and comes in storms, and left unbounded it starves the webhook requests that share
 * the event loop. (No such task waits on another of its kind, so a limit cannot deadlock.)
 */
export interface Limiter {
  acquire(): Promise<() => void>;
}

/**
 * `max` is read at every acquire and release, so a limit can tighten while something is busy.
 * `spacing` (ms, read likewise; 0 for none) is the least time between two starts: waiting work
 * is then started by a timer once it allows.
 */
export function createLimiter(max: () => number, spacing: () => number = () => 0): Limiter & { wake(): void } {
  let running = 0;
  let lastStart = -Infinity;
  let timer: NodeJS.Timeout | undefined;
  const waiting: (() => void)[] = [];
  /** ms until the spacing allows a start; 0 when it does now. */
  const untilSpaced = () => Math.max(0, lastStart + spacing() - performance.now());
  const start = () => {
    lastStart = performance.now();
    running++;
  };
  const next = () => {
    while (waiting.length > 0 && running < max()) {
      const wait = untilSpaced();
      if (wait > 0) {
        timer ??= setTimeout(() => {
          timer = undefined;
          next();
        }, wait);
        return;
      }
      start();
      waiting.shift()?.();
    }
  };
  return {
    async acquire() {
      if (running < max() && waiting.length === 0 && untilSpaced() === 0) start();
      else
        await new Promise<void>((resolve) => {
          waiting.push(resolve);
          next();
        });
      return () => {
        running--;
        next();
      };
    },
    /** The limit may have grown: let waiting work start. */
    wake: next,
  };
}

/**
 * Events over the last second, from two one-second buckets (the previous one weighted by how much
 * of it the window still covers): constant memory whatever the rate. `now` in milliseconds.
 */
export function createArrivalRate(now: () => number): { add(): void; perSecond(): number } {
  let bucket = Math.floor(now() / 1000);
  let current = 0;
  let previous = 0;
  const roll = () => {
    const b = Math.floor(now() / 1000);
    if (b === bucket) return;
    previous = b === bucket + 1 ? current : 0;
    current = 0;
    bucket = b;
  };
  return {
    add() {
      roll();
      current++;
    },
    perSecond() {
      roll();
      return current + previous * (1 - (now() % 1000) / 1000);
    },
  };
}

export interface TaskOptions {
  /**
   * The kind of work: if a task of this key and kind is queued and not yet started, return that
   * one instead of queueing another. For idempotent work that reads the latest state when it starts
   * (an alert storm on one incident then costs one pass, not one per alert).
   */
  coalesce?: string;
  limiter?: Limiter;
}

/**
 * Work that continues after an HTTP answer or a Slack ack (Slack wants an ack within 3 s).
 * Tasks with the same key run one after another, so two steps of one incident never race inside
 * one process; conditional writes in the store cover several processes.
 */
export interface BackgroundTasks {
  run(key: string, task: () => Promise<void>, options?: TaskOptions): Promise<void>;
  /** Resolves when nothing is running or queued: for tests and graceful shutdown. */
  idle(): Promise<void>;
  pending(): number;
}

export function createBackgroundTasks(log: Logger): BackgroundTasks {
  const chains = new Map<string, Promise<void>>();
  const queued = new Map<string, Promise<void>>();
  let pending = 0;
  let waiters: (() => void)[] = [];
  const settle = () => {
    if (pending > 0) return;
    const w = waiters;
    waiters = [];
    w.forEach((resolve) => resolve());
  };
  const run = (key: string, task: () => Promise<void>, options: TaskOptions = {}): Promise<void> => {
    const queuedKey = options.coalesce === undefined ? undefined : `${key}\u0000${options.coalesce}`;
    if (queuedKey !== undefined) {
      const waiting = queued.get(queuedKey);
      if (waiting) return waiting;
    }
    pending++;
    const previous = chains.get(key) ?? Promise.resolve();
    const next: Promise<void> = previous
      .then(async () => {
        const release = options.limiter ? await options.limiter.acquire() : () => undefined;
        // Leaves the "queued" set only when it really starts, so a coalescing caller waiting
        // behind the limit joins this run rather than queueing another.
        if (queuedKey !== undefined && queued.get(queuedKey) === next) queued.delete(queuedKey);
        try {
          await task();
        } finally {
          release();
        }
      })
      .catch((err: unknown) => log.error({ err, task: key }, 'background task failed'))
      .finally(() => {
        if (chains.get(key) === next) chains.delete(key);
        pending--;
        settle();
      });
    chains.set(key, next);
    if (queuedKey !== undefined) queued.set(queuedKey, next);
    return next;
  };
  return {
    run,
    idle() {
      if (pending === 0) return Promise.resolve();
      return new Promise((resolve) => waiters.push(resolve));
    },
    pending: () => pending,
  };
}
