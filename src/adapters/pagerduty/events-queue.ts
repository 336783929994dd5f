import type { Logger } from 'pino';
import type { PageAction, PageOutcome } from '../../services/pager.js';
import { backoffDelay, describeError } from '../executors/retry.js';

/** One Events API v2 event: its dedup_key (the incident id), its action and the JSON body sent. */
export interface PagerDutyEvent {
  dedupKey: string;
  action: PageAction;
  body: Record<string, unknown>;
}

export interface EventsQueueOptions {
  /** `${PAGERDUTY_EVENTS_URL}/v2/enqueue`. */
  enqueueUrl: string;
  log: Logger;
  /** Hears each event's final result: delivered, or given up on after its last attempt. */
  onOutcome: (outcome: PageOutcome) => void;
  /** Attempts per event, the first included. */
  maxAttempts?: number;
  /** Wait before the first retry, before jitter; doubles with each retry. */
  baseMs?: number;
  /** No single wait is longer than this, a Retry-After included. */
  capMs?: number;
  /** Per request: a stalled connection must not hold an incident's events forever. */
  timeoutMs?: number;
  /** Events queued or in flight beyond which new ones are refused (and reported as failed). */
  maxDepth?: number;
  fetch?: typeof fetch;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
  /** Jitter source in [0, 1); injectable so tests are deterministic. */
  random?: () => number;
}

export interface EventsQueue {
  /** Queues the event and returns at once; delivery happens in the background. */
  enqueue(event: PagerDutyEvent): void;
  /** Events queued or being delivered (retries included). */
  depth(): number;
  /** Resolves once every queued event has been delivered or given up on. */
  drain(): Promise<void>;
  /**
   * Shutdown: no attempt or retry starts after this. Returns, as not delivered, each event still
   * queued or being retried (an attempt already on the wire may yet arrive: its outcome is not
   * known, so it is counted as not confirmed); these are not reported through onOutcome. Events
   * queued after stop are reported as not delivered at once.
   */
  stop(): PageOutcome[];
}

type AttemptResult = { ok: true } | { ok: false; retry: boolean; error: string; retryAfterMs?: number };

/** One incident's events, in the order they were queued, and the worker sending them. */
interface Lane {
  events: PagerDutyEvent[];
  worker: Promise<void>;
  /** Attempts made so far at the first event. */
  attempts: number;
}

const STOPPED = 'the bot shut down before PagerDuty confirmed delivery';

const defaultSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The PagerDuty Events API v2 outbox. One FIFO lane per dedup_key: an incident's acknowledge or
 * resolve never overtakes its trigger, while incidents do not wait for each other. PagerDuty asks
 * senders to back off and retry on 429 (rate limited) and 5xx; a 400 means the event itself is
 * invalid and is not retried. Retries use capped exponential backoff with jitter, or Retry-After
 * when PagerDuty sends one.
 */
export function createEventsQueue(options: EventsQueueOptions): EventsQueue {
  const maxAttempts = Math.max(1, options.maxAttempts ?? 5);
  const baseMs = options.baseMs ?? 500;
  const capMs = options.capMs ?? 30_000;
  const timeoutMs = options.timeoutMs ?? 10_000;
  const maxDepth = options.maxDepth ?? 10_000;
  const fetchFn = options.fetch ?? fetch;
  const sleep = options.sleep ?? defaultSleep;
  const now = options.now ?? Date.now;
  const random = options.random ?? Math.random;
  const log = options.log;
  const lanes = new Map<string, Lane>();
  let depth = 0;
  let stopped = false;

  function report(outcome: PageOutcome): void {
    try {
      options.onOutcome(outcome);
    } catch (err) {
      log.error({ err, incidentId: outcome.incidentId, action: outcome.action }, 'recording a PagerDuty outcome failed');
    }
  }

  async function attempt(event: PagerDutyEvent): Promise<AttemptResult> {
    let res: Response;
    try {
      res = await fetchFn(options.enqueueUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify(event.body),
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (err) {
      return { ok: false, retry: true, error: `PagerDuty unreachable: ${describeNetworkError(err)}` };
    }
    const text = await res.text().catch(() => '');
    if (res.ok) return { ok: true };
    const error = `PagerDuty answered HTTP ${res.status}${describeErrorBody(text)}`;
    if (res.status === 429 || res.status >= 500) {
      const retryAfterMs = parseRetryAfter(res.headers.get('retry-after'), now());
      return { ok: false, retry: true, error, ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) };
    }
    return { ok: false, retry: false, error };
  }

  /** The event's outcome, or undefined when the queue was stopped before it had one. */
  async function deliver(event: PagerDutyEvent, lane: Lane): Promise<PageOutcome | undefined> {
    const base = { incidentId: event.dedupKey, action: event.action };
    const eventLog = log.child({ incidentId: event.dedupKey, pagerdutyAction: event.action });
    for (let n = 1; ; n++) {
      if (stopped) return undefined;
      lane.attempts = n;
      const result = await attempt(event);
      if (stopped) return undefined;
      if (result.ok) {
        eventLog.info({ attempts: n }, 'PagerDuty event delivered');
        return { ...base, delivered: true, attempts: n };
      }
      if (!result.retry || n >= maxAttempts) {
        eventLog.warn({ attempts: n, error: result.error }, 'PagerDuty event not delivered; giving up');
        return { ...base, delivered: false, attempts: n, error: result.error };
      }
      const delayMs = Math.min(capMs, result.retryAfterMs ?? backoffDelay(n, baseMs, capMs, random));
      eventLog.info({ attempt: n, delayMs, error: result.error }, 'PagerDuty event not delivered; retrying');
      await sleep(delayMs);
    }
  }

  async function work(key: string, lane: Lane): Promise<void> {
    // Start after the caller has returned: enqueue never waits on the network.
    await Promise.resolve();
    while (lane.events.length > 0) {
      const event = lane.events[0] as PagerDutyEvent;
      lane.attempts = 0;
      let outcome: PageOutcome | undefined;
      try {
        outcome = await deliver(event, lane);
      } catch (err) {
        outcome = { incidentId: event.dedupKey, action: event.action, delivered: false, attempts: 0, error: describeError(err) };
      }
      // Stopped: stop() has already answered for this lane's events.
      if (outcome === undefined || stopped) return;
      lane.events.shift();
      depth--;
      report(outcome);
    }
    lanes.delete(key);
  }

  return {
    enqueue(event) {
      if (stopped) {
        report({ incidentId: event.dedupKey, action: event.action, delivered: false, attempts: 0, error: STOPPED });
        return;
      }
      if (depth >= maxDepth) {
        report({ incidentId: event.dedupKey, action: event.action, delivered: false, attempts: 0, error: `the PagerDuty queue is full (${maxDepth} events waiting)` });
        return;
      }
      depth++;
      const lane = lanes.get(event.dedupKey);
      if (lane) {
        lane.events.push(event);
        return;
      }
      const fresh: Lane = { events: [event], worker: Promise.resolve(), attempts: 0 };
      lanes.set(event.dedupKey, fresh);
      fresh.worker = work(event.dedupKey, fresh);
    },
    depth: () => depth,
    async drain() {
      while (lanes.size > 0 && !stopped) await Promise.all([...lanes.values()].map((l) => l.worker));
    },
    stop() {
      if (stopped) return [];
      stopped = true;
      const undelivered = [...lanes.values()].flatMap((lane) =>
        lane.events.map((event, i): PageOutcome => ({ incidentId: event.dedupKey, action: event.action, delivered: false, attempts: i === 0 ? lane.attempts : 0, error: STOPPED })),
      );
      lanes.clear();
      depth = 0;
      return undelivered;
    },
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
