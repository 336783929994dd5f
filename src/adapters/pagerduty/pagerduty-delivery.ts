import type { Logger } from 'pino';
import type { AuditRecord } from '../../core/audit.js';
import type { AuditLog } from '../../services/audit-log.js';
import type { Metrics } from '../../services/metrics.js';
import type { OnCall, PageAction } from '../../services/pager.js';
import type { AuditStore, Clock, DeliveryStore } from '../../services/ports.js';
import { ConflictError } from '../../services/ports.js';
import type { DeliverySink } from '../delivery/delivery-driver.js';
import type { EventAttempt } from './events-client.js';

export interface PagerDutyDeliveryOptions {
  routingKey: string;
  send: (body: Record<string, unknown>) => Promise<EventAttempt>;
  /** Who is on call, for the record that says the page went out. */
  onCall: () => Promise<OnCall[]>;
  audit: Pick<AuditStore, 'after'>;
  auditLog: Pick<AuditLog, 'append'>;
  deliveries: DeliveryStore;
  clock: Clock;
  log: Logger;
  metrics: Pick<Metrics, 'escalation' | 'deliveryFailed'>;
  /** An event PagerDuty has not taken after this long is given up on, audited and shown in the thread. */
  giveUpAfterMs?: number;
  /** Waits between tries: doubling from `baseMs` up to `maxMs`; a 429 waits at least `rateLimitedMs` (or its Retry-After). */
  backoff?: { baseMs: number; maxMs: number; rateLimitedMs: number };
  /** PagerDuty takes about 120 events a minute per integration key; we keep under it. */
  eventsPerMinute?: number;
}

/** How far an incident's PagerDuty events have got. Stored as `page#<incident>`. */
interface PageState {
  /** Audit records up to this seq have been turned into events (or needed none). */
  seq: number;
  /** The incident's round at `seq`, and whether PagerDuty took a trigger in it: acknowledge and resolve follow only a page. */
  round: number;
  paged: boolean;
  /** Tries at the event after `seq`, and when the first was made. */
  attempts: number;
  firstAttemptAt?: string;
}

interface Entry {
  id: string;
  state?: PageState;
  version: number;
  dirty: boolean;
  busy: boolean;
  retryAt: number;
  since?: number;
}

/** Production defaults: PagerDuty asks senders to back off for minutes on 429, and to retry 5xx. */
export const PAGERDUTY_GIVE_UP_AFTER_MS = 60 * 60_000;
export const PAGERDUTY_BACKOFF = { baseMs: 1000, maxMs: 5 * 60_000, rateLimitedMs: 30_000 };

/**
 * How long to wait before the next try of an event PagerDuty did not take: at least its
 * Retry-After; after a 429 from `rateLimitedMs`, otherwise from `baseMs`, doubling with each try up
 * to `maxMs`.
 */
export function pagerDutyRetryDelay(result: { rateLimited: boolean; retryAfterMs?: number }, attempts: number, backoff: typeof PAGERDUTY_BACKOFF): number {
  const from = result.rateLimited ? backoff.rateLimitedMs : backoff.baseMs;
  return Math.max(result.retryAfterMs ?? 0, Math.min(backoff.maxMs, from * 2 ** (attempts - 1)));
}

const CLIENT = 'chatops-bot';
const SUMMARY_LIMIT = 1024;
const CONCURRENCY = 8;
const READ_BATCH = 200;
/** Kinds that may lead to a PagerDuty event; the rest only move the cursor. */
const RELEVANT = new Set(['escalation.triggered', 'incident.acknowledged', 'incident.resolved', 'incident.reopened']);

/** The event a record calls for, given where the incident stands in PagerDuty. */
function eventFor(record: AuditRecord, state: PageState): { action: PageAction; payload?: Record<string, unknown> } | undefined {
  const d = record.details ?? {};
  if (record.kind === 'escalation.triggered' && d.page && typeof d.page === 'object') return { action: 'trigger', payload: d.page as Record<string, unknown> };
  if (record.kind === 'incident.acknowledged' && state.paged) return { action: 'acknowledge' };
  if (record.kind === 'incident.resolved' && state.paged) return { action: 'resolve' };
  return undefined;
}

/**
 * PagerDuty as a projection of the audit trail: an `escalation.triggered` record is the page to
 * send, and an incident's acknowledgement and resolution follow in PagerDuty once it was paged. A
 * cursor per incident (in the store) says how far that got, so a page written before a crash is
 * sent after it, once, in order with the incident's other events. The trail says "paged" only when
 * PagerDuty took the event (`escalation.paged`); an event given up on is `escalation.delivery_failed`,
 * which the thread shows. PagerDuty asks senders to back off for minutes on 429 and to retry 5xx.
 */
export function createPagerDutyDelivery(options: PagerDutyDeliveryOptions): DeliverySink & { idle(): Promise<void>; backlog(): number } {
  const { clock, metrics } = options;
  const log = options.log.child({ component: 'pagerduty-delivery' });
  const giveUpAfterMs = options.giveUpAfterMs ?? PAGERDUTY_GIVE_UP_AFTER_MS;
  const backoff = options.backoff ?? PAGERDUTY_BACKOFF;
  const perMinute = options.eventsPerMinute ?? 100;
  const entries = new Map<string, Entry>();
  const sent: number[] = [];
  let active = false;
  let timer: NodeJS.Timeout | undefined;
  let running = 0;
  const inFlight = new Set<Promise<void>>();
  let idleWaiters: (() => void)[] = [];
  const now = () => clock.now().getTime();

  function entryOf(id: string): Entry {
    let entry = entries.get(id);
    if (!entry) {
      entry = { id, version: 0, dirty: false, busy: false, retryAt: 0 };
      entries.set(id, entry);
    }
    return entry;
  }

  function mark(entry: Entry): void {
    if (!entry.dirty) entry.since = now();
    entry.dirty = true;
    schedule();
  }

  const pending = (e: Entry) => e.dirty || e.busy;

  function checkIdle(): void {
    if ([...entries.values()].some(pending)) return;
    const waiters = idleWaiters;
    idleWaiters = [];
    waiters.forEach((resolve) => resolve());
  }

  /** Milliseconds until the per-key budget allows another event. */
  function budgetWait(): number {
    const t = now();
    while (sent.length > 0 && (sent[0] as number) + 60_000 <= t) sent.shift();
    return sent.length < perMinute ? 0 : (sent[0] as number) + 60_000 - t;
  }

  function schedule(delayMs = 0): void {
    if (!active) return;
    if (timer) {
      if (delayMs > 0) return;
      clearTimeout(timer);
    }
    timer = setTimeout(() => {
      timer = undefined;
      dispatch();
    }, delayMs);
  }

  function dispatch(): void {
    let wait = Infinity;
    const t = now();
    for (const entry of entries.values()) {
      if (!entry.dirty || entry.busy) continue;
      if (entry.retryAt > t) {
        wait = Math.min(wait, entry.retryAt - t);
        continue;
      }
      if (running >= CONCURRENCY) break;
      const budget = budgetWait();
      if (budget > 0) {
        wait = Math.min(wait, budget);
        break;
      }
      entry.dirty = false;
      entry.busy = true;
      running++;
      const work = serve(entry)
        .catch((err: unknown) => {
          if (err instanceof ConflictError) entry.state = undefined;
          entry.dirty = true;
          entry.retryAt = now() + backoff.baseMs;
          log.warn({ err, incidentId: entry.id }, 'PagerDuty delivery could not read or write its cursor; trying again');
        })
        .finally(() => {
          entry.busy = false;
          running--;
          inFlight.delete(work);
          if (!pending(entry) && entry.retryAt <= now()) entries.delete(entry.id);
          checkIdle();
          schedule();
        });
      inFlight.add(work);
    }
    if (wait < Infinity) schedule(Math.max(1, wait));
  }

  async function save(entry: Entry): Promise<void> {
    entry.version = await options.deliveries.put(`page#${entry.id}`, entry.state, entry.version);
  }

  async function serve(entry: Entry): Promise<void> {
    if (!entry.state) {
      const stored = await options.deliveries.get<PageState>(`page#${entry.id}`);
      entry.state = stored?.value ?? { seq: 0, round: 0, paged: false, attempts: 0 };
      entry.version = stored?.version ?? 0;
    }
    const state = entry.state;
    const records = await options.audit.after(entry.id, state.seq, READ_BATCH);
    const startSeq = state.seq;
    for (const record of records) {
      if (record.kind === 'incident.reopened') {
        state.round = Number(record.details?.round ?? state.round + 1);
        state.paged = false;
      }
      const event = eventFor(record, state);
      if (!event) {
        state.seq = record.seq;
        continue;
      }
      const done = await deliver(entry, record, event);
      if (!done) {
        if (state.seq !== startSeq || state.attempts > 0) await save(entry);
        return;
      }
      state.seq = record.seq;
      state.attempts = 0;
      delete state.firstAttemptAt;
      await save(entry);
    }
    if (state.seq !== startSeq) await save(entry);
    if (records.length >= READ_BATCH) entry.dirty = true;
  }

  /** Sends one event; true once PagerDuty took it or it was given up on, false to try again later. */
  async function deliver(entry: Entry, record: AuditRecord, event: { action: PageAction; payload?: Record<string, unknown> }): Promise<boolean> {
    const state = entry.state as PageState;
    const body: Record<string, unknown> = { routing_key: options.routingKey, event_action: event.action, dedup_key: entry.id, client: CLIENT };
    if (event.payload) {
      const p = event.payload;
      body.payload = {
        summary: String(p.summary ?? entry.id).slice(0, SUMMARY_LIMIT),
        source: String(p.source ?? CLIENT) || CLIENT,
        severity: String(p.severity ?? 'error'),
        timestamp: record.timestamp,
        ...(p.component ? { component: p.component } : {}),
        ...(p.customDetails ? { custom_details: p.customDetails } : {}),
      };
    }
    state.attempts += 1;
    state.firstAttemptAt ??= clock.now().toISOString();
    sent.push(now());
    const result = await options.send(body);
    const base = { incidentId: entry.id, trigger: 'pagerduty', operator: 'automated' };
    if (result.ok) {
      metrics.escalation(event.action, 'delivered');
      log.info({ incidentId: entry.id, action: event.action, attempts: state.attempts }, 'PagerDuty took the event');
      if (event.action === 'trigger') {
        state.paged = true;
        const onCall = await options.onCall().catch(() => []);
        await options.auditLog.append({
          ...base,
          kind: 'escalation.paged',
          stepKey: `paged:${record.seq}`,
          outcome: 'SUCCESS',
          details: { dedupKey: entry.id, attempts: state.attempts, reason: record.details?.reason, onCall: onCall.map((o) => ({ name: o.name, slackUserId: o.slackUserId, escalationLevel: o.escalationLevel, schedule: o.schedule })) },
        });
      }
      return true;
    }
    const waited = now() - Date.parse(state.firstAttemptAt);
    if (result.retry && waited < giveUpAfterMs) {
      const delay = pagerDutyRetryDelay(result, state.attempts, backoff);
      entry.retryAt = now() + delay;
      entry.dirty = true;
      log.warn({ incidentId: entry.id, action: event.action, attempts: state.attempts, retryInMs: delay, error: result.error }, 'PagerDuty did not take the event; trying again');
      return false;
    }
    metrics.escalation(event.action, 'failed');
    metrics.deliveryFailed('pagerduty', event.action);
    log.error({ incidentId: entry.id, action: event.action, attempts: state.attempts, error: result.error }, 'PagerDuty event given up on');
    const onCall = await options.onCall().catch(() => []);
    await options.auditLog.append({
      ...base,
      kind: 'escalation.delivery_failed',
      stepKey: `page-failed:${record.seq}`,
      outcome: 'FAILURE',
      details: { action: event.action, attempts: state.attempts, error: result.error, onCall: onCall.map((o) => ({ name: o.name, slackUserId: o.slackUserId, escalationLevel: o.escalationLevel, schedule: o.schedule })) },
    });
    return true;
  }

  return {
    touched(incidentId, _seq, record) {
      if (record && !RELEVANT.has(record.kind)) return;
      mark(entryOf(incidentId));
    },
    recheck(incidentId) {
      mark(entryOf(incidentId));
    },
    start() {
      entries.clear();
      active = true;
      schedule();
    },
    async stop() {
      active = false;
      if (timer) clearTimeout(timer);
      timer = undefined;
      await Promise.all([...inFlight]);
      entries.clear();
      checkIdle();
    },
    oldestPending() {
      let oldest: number | undefined;
      for (const e of entries.values()) if (pending(e) && (e.since ?? Infinity) < (oldest ?? Infinity)) oldest = e.since;
      return oldest;
    },
    idle() {
      checkIdle();
      if (![...entries.values()].some(pending)) return Promise.resolve();
      return new Promise((resolve) => idleWaiters.push(resolve));
    },
    backlog: () => [...entries.values()].filter(pending).length,
  };
}
