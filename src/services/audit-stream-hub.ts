import type { Logger } from 'pino';
import type { AuditRecord } from '../core/audit.js';
import { compareStreamPositions, streamEventId } from '../core/audit-event-id.js';
import type { StreamPosition } from '../core/audit-event-id.js';
import type { Metrics } from './metrics.js';
import type { AuditKey, AuditStore, Clock } from './ports.js';
import { createStreamSubscriber, streamEventOf } from './audit-stream-subscriber.js';
import type { StreamEvent, StreamSubscriber } from './audit-stream-subscriber.js';

/** Timings and bounds of the live stream (tests shorten them). */
export interface AuditStreamHubTuning {
  /** How often the store's time index is read while someone is subscribed (default 250 ms). */
  pollMs?: number;
  /**
   * How long after its timestamp a record is sent (default 1 s): records from every replica are
   * put in time order, and one written a moment ago by another replica may not be readable yet.
   */
  holdbackMs?: number;
  /** Events waiting for one subscriber, at most (default 1,000); a subscriber past it is dropped. */
  maxBufferedEvents?: number;
  /** Their size in characters of JSON, at most (default 8 MiB). */
  maxBufferedBytes?: number;
  /**
   * Records sent per poll, at most (default 500), the rest on the next polls: what waits for one
   * subscriber is its limit plus one poll's worth, even after the store was away for a while.
   */
  maxPerPoll?: number;
}

/**
 * A short window re-read on every poll, and every DEEP_EVERY polls a long one: writers' clocks
 * differ and a write lands a little after its timestamp (longer when the store throttles).
 */
const SHORT_OVERLAP_MS = 2000;
const DEEP_OVERLAP_MS = 30_000;
const DEEP_EVERY = 20;
/** This replica's own records kept for the hub so it need not read them back, at most. */
const MAX_LOCAL = 10_000;

interface Running {
  /** The newest event sent in order. */
  position: StreamPosition;
  /** Where the hub started: what is older is history, for a replay to read. */
  floor: StreamPosition;
  /** Records with a timestamp before this instant (ms) have been looked for. */
  readyUpTo: number;
  /** Ids sent, by timestamp (ms), while they can still come back in a re-read window. */
  sentIds: Map<string, number>;
  local: Map<string, AuditRecord>;
  polls: number;
  timer?: NodeJS.Timeout;
  failing: boolean;
}

export interface AuditStreamHub {
  /**
   * Adds a subscriber. `after`: the last event the client has (its Last-Event-ID), or none for
   * "from now". `upTo` is where the hub is: events up to it are the caller's to replay from the
   * store; everything after reaches the subscriber from the hub.
   */
  subscribe(after: StreamPosition | undefined, onDrop: (reason: string) => void): { subscriber: StreamSubscriber; upTo: StreamPosition };
  unsubscribe(subscriber: StreamSubscriber): void;
  /** A record this replica just wrote: kept so the hub need not read it back. */
  recorded(record: AuditRecord): void;
  /** One read of the time index (the timer calls it; tests call it directly). */
  poll(): Promise<void>;
  subscribers(): number;
  close(): void;
}

/**
 * The live audit stream of one replica: one poll of the store's time index shared by every
 * subscriber (none while nobody listens), so every replica's records reach every subscriber, in
 * one order, with ids that are the same on every replica.
 */
export function createAuditStreamHub(options: { store: Pick<AuditStore, 'feed' | 'byKeys'>; clock: Clock; log: Logger; metrics: Pick<Metrics, 'eventStreamDropped'>; tuning?: AuditStreamHubTuning }): AuditStreamHub {
  const { store, clock, log, metrics, tuning = {} } = options;
  const pollMs = tuning.pollMs ?? 250;
  const holdbackMs = tuning.holdbackMs ?? 1000;
  const maxPerPoll = tuning.maxPerPoll ?? 500;
  const limits = { maxEvents: tuning.maxBufferedEvents ?? 1000, maxBytes: tuning.maxBufferedBytes ?? 8 * 1024 * 1024 };
  const subscribers = new Set<StreamSubscriber>();
  let running: Running | undefined;
  let closed = false;

  function start(): Running {
    const readyUpTo = clock.now().getTime() - holdbackMs;
    // An empty incident id sorts first: the floor is before every record of its millisecond.
    const floor = { incidentId: '', seq: 0, timestamp: new Date(readyUpTo).toISOString() };
    return { position: floor, floor, readyUpTo, sentIds: new Map(), local: new Map(), polls: 0, failing: false };
  }

  function schedule(state: Running): void {
    if (closed || running !== state) return;
    state.timer = setTimeout(() => void poll().finally(() => schedule(state)), pollMs);
    state.timer.unref();
  }

  function stop(): void {
    if (running?.timer) clearTimeout(running.timer);
    running = undefined;
  }

  async function readRecords(state: Running, keys: AuditKey[]): Promise<Map<string, AuditRecord>> {
    const found = new Map<string, AuditRecord>();
    const missing = keys.filter((k) => !state.local.has(streamEventId(k)));
    for (const k of keys) {
      const local = state.local.get(streamEventId(k));
      if (local) found.set(streamEventId(k), local);
    }
    for (const r of missing.length > 0 ? await store.byKeys(missing) : []) found.set(streamEventId(r), r);
    return found;
  }

  async function pollOnce(state: Running): Promise<void> {
    const readyUpTo = clock.now().getTime() - holdbackMs;
    const ready = new Date(readyUpTo).toISOString();
    const overlap = ++state.polls % DEEP_EVERY === 0 ? DEEP_OVERLAP_MS : SHORT_OVERLAP_MS;
    const keys = await store.feed(new Date(state.readyUpTo - overlap).toISOString());
    const keysReady = keys.filter((k) => k.timestamp < ready && !state.sentIds.has(streamEventId(k)) && compareStreamPositions(k, state.floor) > 0);
    // After a pause (the store was down, a storm) the rest waits for the next polls, which re-read from the last one taken.
    const taken = Math.min(keysReady.length, maxPerPoll);
    const fresh = keysReady.slice(0, taken);
    const records = fresh.length > 0 ? await readRecords(state, fresh) : new Map<string, AuditRecord>();
    if (running !== state) return;
    const events: StreamEvent[] = [];
    for (const key of fresh) {
      const record = records.get(streamEventId(key));
      // The index is ahead of the table (it should not be): the next poll finds it again.
      if (!record) continue;
      const late = compareStreamPositions(key, state.position) < 0;
      const event = streamEventOf(record, late);
      if (late) log.debug({ id: event.id, position: streamEventId(state.position) }, 'live stream: a record found after later ones were sent');
      else state.position = event.position;
      state.sentIds.set(event.id, Date.parse(key.timestamp));
      state.local.delete(event.id);
      events.push(event);
    }
    for (const s of subscribers) s.offer(events);
    state.readyUpTo = Math.max(state.readyUpTo, taken < keysReady.length ? Date.parse(fresh.at(-1)!.timestamp) : readyUpTo);
    // What no later poll can read again (its window starts at readyUpTo - DEEP_OVERLAP_MS).
    const forget = state.readyUpTo - DEEP_OVERLAP_MS;
    for (const [id, at] of state.sentIds) if (at < forget) state.sentIds.delete(id);
    for (const [id, r] of state.local) if (Date.parse(r.timestamp) < forget) state.local.delete(id);
  }

  /** Polls run one after another: two at once would both find, and send, the same new keys. */
  let polls: Promise<void> = Promise.resolve();
  function poll(): Promise<void> {
    polls = polls.then(pollGuarded);
    return polls;
  }

  async function pollGuarded(): Promise<void> {
    const state = running;
    if (!state) return;
    try {
      await pollOnce(state);
      if (state.failing) log.info('live stream: the store answers again');
      state.failing = false;
    } catch (err) {
      // Subscribers stay connected; the next poll re-reads from where this one would have.
      if (!state.failing) log.warn({ err }, 'live stream: could not read the store; trying again');
      state.failing = true;
    }
  }

  return {
    subscribe(after, onDrop) {
      if (!running) {
        running = start();
        schedule(running);
      }
      const upTo = running.position;
      const subscriber = createStreamSubscriber({ after: after ?? upTo, limits, lateWindowMs: DEEP_OVERLAP_MS + holdbackMs, onDrop: (reason) => {
        metrics.eventStreamDropped();
        log.warn({ reason }, 'live stream: dropped a slow subscriber');
        onDrop(reason);
      } });
      subscribers.add(subscriber);
      return { subscriber, upTo };
    },
    unsubscribe(subscriber) {
      subscribers.delete(subscriber);
      if (subscribers.size === 0) stop();
    },
    recorded(record) {
      if (!running) return;
      running.local.set(streamEventId(record), record);
      if (running.local.size > MAX_LOCAL) running.local.delete(running.local.keys().next().value as string);
    },
    poll,
    subscribers: () => subscribers.size,
    close() {
      closed = true;
      stop();
    },
  };
}
