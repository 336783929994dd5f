/**
 * Bounded retries with capped exponential backoff, for AWS calls whose SDK retry is switched off
 * (`maxAttempts: 1`) so that every attempt is ours: counted, logged and kept for the audit record.
 */

export interface RetryOptions {
  /** Retries after the first attempt; DESIGN §2.7 allows at most 3 (so at most 4 calls). */
  maxRetries?: number;
  /** Delay before the first retry, before jitter. */
  baseMs?: number;
  /** No single wait is longer than this. */
  capMs?: number;
  /** Only errors this returns true for are retried; anything else fails at once. */
  isTransient: (error: unknown) => boolean;
  sleep?: (ms: number) => Promise<void>;
  /** Source of jitter in [0, 1); injectable so tests are deterministic. */
  random?: () => number;
  /** Called before each wait, e.g. to log the error that is being retried. */
  onRetry?: (info: { attempt: number; delayMs: number; error: unknown }) => void;
}

export const DEFAULT_MAX_RETRIES = 3;
export const DEFAULT_BASE_MS = 200;
export const DEFAULT_CAP_MS = 5000;

/** The call failed for good: after `attempts` calls, with `cause` the last error. */
export class RetryError extends Error {
  override readonly name = 'RetryError';
  /** How many times the call was made, including the first. */
  readonly attempts: number;
  /** True when the last error was transient (retries ran out); false when it was not worth retrying. */
  readonly transient: boolean;
  override readonly cause: unknown;

  constructor(cause: unknown, attempts: number, transient: boolean) {
    super(`failed after ${attempts} attempt${attempts === 1 ? '' : 's'}: ${describeError(cause)}`, { cause });
    this.cause = cause;
    this.attempts = attempts;
    this.transient = transient;
  }
}

/**
 * The wait before retry number `attempt` (1-based): "equal jitter" on `baseMs · 2^(attempt-1)`,
 * i.e. a random value in [half, whole] of that ceiling, never above `capMs`. Equal rather than full
 * jitter so that, below the cap, each wait is at least as long as the one before whatever the draw,
 * while replicas retrying together still spread out.
 */
export function backoffDelay(attempt: number, baseMs: number, capMs: number, random: () => number): number {
  const exponent = Math.max(0, attempt - 1);
  const ceiling = Math.min(capMs, baseMs * 2 ** exponent);
  const r = Math.min(1, Math.max(0, random()));
  return Math.round(ceiling / 2 + (ceiling / 2) * r);
}

/**
 * Runs `fn` until it succeeds, fails with a non-transient error, or has been retried `maxRetries`
 * times. Failures are thrown as a {@link RetryError} carrying the attempt count and the last error.
 */
export async function withRetries<T>(fn: (attempt: number) => Promise<T>, options: RetryOptions): Promise<T> {
  const maxRetries = options.maxRetries ?? DEFAULT_MAX_RETRIES;
  const baseMs = options.baseMs ?? DEFAULT_BASE_MS;
  const capMs = options.capMs ?? DEFAULT_CAP_MS;
  const sleep = options.sleep ?? defaultSleep;
  const random = options.random ?? Math.random;

  for (let attempt = 1; ; attempt++) {
    try {
      return await fn(attempt);
    } catch (error) {
      const transient = options.isTransient(error);
      if (!transient || attempt > maxRetries) throw new RetryError(error, attempt, transient);
      const delayMs = backoffDelay(attempt, baseMs, capMs, random);
      options.onRetry?.({ attempt, delayMs, error });
      await sleep(delayMs);
    }
  }
}

/** `Name: message` of an SDK error, or the best text available for anything else thrown. */
export function describeError(error: unknown): string {
  if (error instanceof Error) {
    const message = error.message || (error as { code?: string }).code || '';
    return message ? `${error.name}: ${message}` : error.name;
  }
  return String(error);
}

function defaultSleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
