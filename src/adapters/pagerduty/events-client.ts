import { describeError } from '../executors/retry.js';

/** What one Events API v2 request came to. */
export type EventAttempt =
  | { ok: true }
  /** `retry`: 429 or 5xx or no answer: the event was not taken, and may be on another try. */
  | { ok: false; retry: boolean; rateLimited: boolean; error: string; retryAfterMs?: number };

export interface EventsClientOptions {
  /** `${PAGERDUTY_EVENTS_URL}/v2/enqueue`. */
  enqueueUrl: string;
  /** Per request: a stalled connection must not hold an incident's events forever. */
  timeoutMs?: number;
  fetch?: typeof fetch;
  now?: () => number;
}

/**
 * One POST to PagerDuty's Events API v2, over plain fetch rather than @pagerduty/pdjs: pdjs's events
 * client builds `https://<host>/v2/enqueue` from a host name (so it cannot take PAGERDUTY_EVENTS_URL
 * as a URL: a proxy path, a local fake over http), retries on its own schedule and cannot honour
 * Retry-After. Delivery decides when to try again; this only says what happened.
 * PagerDuty's contract: 202 taken; 400 the event is invalid (never retry); 429 back off; 5xx retry.
 */
export function createEventsClient(options: EventsClientOptions): (body: Record<string, unknown>) => Promise<EventAttempt> {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const fetchFn = options.fetch ?? fetch;
  const now = options.now ?? Date.now;
  return async (body) => {
    let res: Response;
    try {
      res = await fetchFn(options.enqueueUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (err) {
      return { ok: false, retry: true, rateLimited: false, error: `PagerDuty unreachable: ${describeNetworkError(err)}` };
    }
    const text = await res.text().catch(() => '');
    if (res.ok) return { ok: true };
    const error = `PagerDuty answered HTTP ${res.status}${describeErrorBody(text)}`;
    if (res.status === 429 || res.status >= 500) {
      const retryAfterMs = parseRetryAfter(res.headers.get('retry-after'), now());
      return { ok: false, retry: true, rateLimited: res.status === 429, error, ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) };
    }
    return { ok: false, retry: false, rateLimited: false, error };
  };
}

/** Retry-After as delta-seconds or an HTTP date, in milliseconds from now; undefined if absent or unreadable. */
export function parseRetryAfter(value: string | null, nowMs: number): number | undefined {
  if (value === null || value.trim() === '') return undefined;
  const trimmed = value.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? undefined : Math.max(0, at - nowMs);
}

/** PagerDuty's error body is `{ status, message, errors: [...] }`; its text helps whoever reads the audit. */
function describeErrorBody(text: string): string {
  if (text === '') return '';
  try {
    const body = JSON.parse(text) as { message?: unknown; errors?: unknown };
    const parts = [typeof body.message === 'string' ? body.message : undefined, Array.isArray(body.errors) ? body.errors.filter((e) => typeof e === 'string').join('; ') : undefined].filter(Boolean);
    return parts.length > 0 ? `: ${parts.join(': ').slice(0, 300)}` : '';
  } catch {
    return '';
  }
}

/** fetch says only "fetch failed"; the reason (ECONNREFUSED, a timeout) is in its cause. */
function describeNetworkError(err: unknown): string {
  const cause = err instanceof Error ? (err.cause as { code?: unknown; message?: unknown } | undefined) : undefined;
  if (err instanceof Error && err.name === 'TimeoutError') return 'no answer in time';
  if (cause && typeof cause.code === 'string') return `${describeError(err)} (${cause.code})`;
  return describeError(err);
}
