import type { AuditRecord } from '../core/audit.js';
import { compareStreamPositions, streamEventId } from '../core/audit-event-id.js';
import type { StreamPosition } from '../core/audit-event-id.js';

/** One record as the live stream sends it: serialised once, shared by every subscriber. */
export interface StreamEvent {
  position: StreamPosition;
  id: string;
  data: string;
  /**
   * Found after records later in stream order were sent (a write that took longer than the hold-back,
   * or a writer whose clock is behind): sent when found, out of order, rather than never.
   */
  late: boolean;
}

export function streamEventOf(record: AuditRecord, late = false): StreamEvent {
  const position = { incidentId: record.incidentId, seq: record.seq, timestamp: record.timestamp };
  return { position, id: streamEventId(position), data: JSON.stringify(record), late };
}

/**
 * How much may still wait for a subscriber when the next poll's events arrive. A burst that the
 * reader then takes is fine; a reader still this far behind a poll later is too slow.
 */
export interface SubscriberLimits {
  maxEvents: number;
  /** In characters of JSON: one alert record may be large. */
  maxBytes: number;
}

export interface StreamSubscriber {
  /**
   * From the hub: one poll's new events. When more than the limits still wait from earlier polls,
   * the subscriber is dropped instead and its buffer freed.
   */
  offer(events: readonly StreamEvent[]): void;
  /** The next event to write, skipping what this subscriber has been sent already. */
  next(): StreamEvent | undefined;
  /** Whether a replayed event is one it has not been sent. */
  wants(event: StreamEvent): boolean;
  /** The event was written to the client. */
  sent(event: StreamEvent): void;
  /** Why it was dropped, once it was. */
  dropped(): string | undefined;
  /** Resolves when an event arrives, on `interrupt`, or after `ms` (false then). */
  wait(ms: number): Promise<boolean>;
  /** Wakes a pending `wait` (the client left, the bot stops). */
  interrupt(): void;
}

/**
 * One subscriber's bounded buffer and its place in the stream. Events are filtered when taken,
 * not when offered: a replay from the store runs first, and what it sends decides what is new.
 */
export function createStreamSubscriber(options: { after: StreamPosition; limits: SubscriberLimits; lateWindowMs: number; onDrop: (reason: string) => void }): StreamSubscriber {
  const { limits } = options;
  const queue: StreamEvent[] = [];
  let bytes = 0;
  let cursor = options.after;
  /** Ids sent lately, by time: a late event is new to this subscriber unless it is here. */
  const recent = new Map<string, number>();
  let pruneAt = 1024;
  let droppedBecause: string | undefined;
  let wake: ((woke: boolean) => void) | undefined;

  const isNew = (e: StreamEvent) => compareStreamPositions(e.position, cursor) > 0 || (e.late && !recent.has(e.id));

  function prune(): void {
    if (recent.size < pruneAt) return;
    const floor = Date.parse(cursor.timestamp) - options.lateWindowMs;
    for (const [id, at] of recent) if (at < floor) recent.delete(id);
    pruneAt = Math.max(1024, recent.size * 2);
  }

  return {
    offer(events) {
      if (droppedBecause || events.length === 0) return;
      if (queue.length > limits.maxEvents || bytes > limits.maxBytes) {
        droppedBecause = `this client read more slowly than records arrived: more than ${queue.length > limits.maxEvents ? `${limits.maxEvents} events` : `${limits.maxBytes} bytes`} waited for it; reconnect with Last-Event-ID to resume`;
        queue.length = 0;
        bytes = 0;
        options.onDrop(droppedBecause);
      } else {
        for (const e of events) {
          queue.push(e);
          bytes += e.data.length;
        }
      }
      wake?.(true);
    },
    next() {
      for (let e = queue.shift(); e; e = queue.shift()) {
        bytes -= e.data.length;
        if (isNew(e)) return e;
      }
      return undefined;
    },
    wants: isNew,
    sent(event) {
      recent.set(event.id, Date.parse(event.position.timestamp));
      if (compareStreamPositions(event.position, cursor) > 0) cursor = event.position;
      prune();
    },
    dropped: () => droppedBecause,
    wait(ms) {
      if (queue.length > 0 || droppedBecause) return Promise.resolve(true);
      return new Promise<boolean>((resolve) => {
        const timer = setTimeout(() => done(false), ms);
        timer.unref();
        const done = (woke: boolean) => {
          clearTimeout(timer);
          wake = undefined;
          resolve(woke);
        };
        wake = done;
      });
    },
    interrupt() {
      wake?.(true);
    },
  };
}
