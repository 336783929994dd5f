import type { Logger } from 'pino';

/**
 * Work that continues after an HTTP answer or a Slack ack (Slack wants an ack within 3 s).
 * Tasks with the same key run one after another, so two alerts of one incident never race
 * inside one process; conditional writes in the store cover several processes.
 */
export interface BackgroundTasks {
  run(key: string, task: () => Promise<void>): Promise<void>;
  /**
   * Like `run`, but if a task with this key is queued and not yet started, returns that one
   * instead of queueing another: for idempotent work that reads the latest state when it starts
   * (an alert storm on one incident then costs one pass, not one per alert).
   */
  runCoalesced(key: string, task: () => Promise<void>): Promise<void>;
  /** Resolves when nothing is running or queued: for tests and graceful shutdown. */
  idle(): Promise<void>;
  pending(): number;
}

/**
 * Keys whose tasks may run only a few at a time: incident processing is short, CPU-heavy and comes
 * in storms, and left unbounded it starves the webhook requests that share the event loop. (No such
 * task waits on another of its kind, so the limit cannot deadlock; long-running work such as SSM
 * polling is not limited.)
 */
const LIMITED = { prefix: 'incident:', max: 2 };

export function createBackgroundTasks(log: Logger): BackgroundTasks {
  const chains = new Map<string, Promise<void>>();
  let limitedRunning = 0;
  const limitedWaiting: (() => void)[] = [];
  const acquire = async (key: string): Promise<() => void> => {
    if (!key.startsWith(LIMITED.prefix)) return () => undefined;
    if (limitedRunning >= LIMITED.max) await new Promise<void>((resolve) => limitedWaiting.push(resolve));
    limitedRunning++;
    return () => {
      limitedRunning--;
      limitedWaiting.shift()?.();
    };
  };
  const queued = new Map<string, Promise<void>>();
  let pending = 0;
  let waiters: (() => void)[] = [];
  const settle = () => {
    if (pending === 0) {
      const w = waiters;
      waiters = [];
      w.forEach((resolve) => resolve());
    }
  };
  const run = (key: string, task: () => Promise<void>): Promise<void> => {
      pending++;
      const previous = chains.get(key) ?? Promise.resolve();
      const next: Promise<void> = previous
        .then(async () => {
          const release = await acquire(key);
          // Leaves the "queued" set only when it really starts, so a coalesced caller waiting
          // behind the limit joins this run rather than queueing another.
          if (queued.get(key) === next) queued.delete(key);
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
      queued.set(key, next);
      return next;
  };
  return {
    run,
    runCoalesced(key, task) {
      return queued.get(key) ?? run(key, task);
    },
    idle() {
      if (pending === 0) return Promise.resolve();
      return new Promise((resolve) => waiters.push(resolve));
    },
    pending: () => pending,
  };
}
