import type { HttpBindings } from '@hono/node-server';
import { Hono } from 'hono';
import { streamSSE } from 'hono/streaming';
import type { SSEStreamingApi } from 'hono/streaming';
import type { Logger } from 'pino';
import { compareStreamPositions } from '../../../core/audit-event-id.js';
import { replayRecords, replayStart } from '../../../services/audit-replay.js';
import type { AuditStreamHub } from '../../../services/audit-stream-hub.js';
import { streamEventOf } from '../../../services/audit-stream-subscriber.js';
import type { StreamEvent } from '../../../services/audit-stream-subscriber.js';
import type { AuditStore, Clock } from '../../../services/ports.js';
import type { OperatorVariables } from '../operator-auth.js';

/** Limits of `/api/events` (tests shorten them). */
export interface AuditEventsTuning {
  /** How far back a reconnect with Last-Event-ID is replayed (default 60 min). */
  replayWindowMs?: number;
  /** How long a dropped subscriber has to take its final event before the connection is cut (default 30 s). */
  dropGraceMs?: number;
  /** Streams one client may hold open on one replica (default 10). */
  maxStreamsPerClient?: number;
}

export interface AuditEventsOptions {
  hub: AuditStreamHub;
  audit: Pick<AuditStore, 'after' | 'feed' | 'byKeys'>;
  clock: Clock;
  log: Logger;
  /** Aborted at shutdown: every stream ends with a `closing` event so the listener can close. */
  shutdown?: AbortSignal;
  tuning?: AuditEventsTuning;
}

/** Proxies close a connection that says nothing for a minute or so: a comment every 15 s keeps it open. */
const KEEP_ALIVE_MS = 15_000;

const writeEvent = (stream: SSEStreamingApi, e: StreamEvent) => stream.writeSSE({ event: 'audit', id: e.id, data: e.data });

/**
 * `GET /api/events`: every replica's audit records as server-sent events, in time order, each with
 * an id that is the same on every replica; `Last-Event-ID` replays what came after it from the
 * store. A client that reads more slowly than records arrive is dropped with a `dropped` event.
 */
export function auditEventsRoutes(options: AuditEventsOptions): Hono<{ Variables: OperatorVariables; Bindings: Partial<HttpBindings> }> {
  const { hub, audit, clock, log, shutdown, tuning = {} } = options;
  const replayWindowMs = tuning.replayWindowMs ?? 60 * 60_000;
  const dropGraceMs = tuning.dropGraceMs ?? 30_000;
  const maxStreams = tuning.maxStreamsPerClient ?? 10;
  const open = new Map<string, number>();
  const app = new Hono<{ Variables: OperatorVariables; Bindings: Partial<HttpBindings> }>();

  app.get('/events', async (c) => {
    const client = c.var.operator.id;
    // The API rate limit counts a stream once, when it opens; this bounds how many it may hold.
    if ((open.get(client) ?? 0) >= maxStreams) {
      return c.json({ error: `too many streams: at most ${maxStreams} open /api/events streams per client on each replica; close one (another tab?) first` }, 429, { 'Retry-After': String(KEEP_ALIVE_MS / 1000) });
    }
    const start = await replayStart(c.req.header('last-event-id')?.trim(), { audit, now: clock.now().getTime(), windowMs: replayWindowMs });
    if (!start.ok) return c.json({ error: start.error, field: 'last-event-id' }, 400);
    open.set(client, (open.get(client) ?? 0) + 1);
    // A client that never reads would hold its last write, and its connection, for ever.
    const cut = () => {
      stream?.abort();
      c.env?.outgoing?.destroy();
    };
    let stream: SSEStreamingApi | undefined;
    let dropTimer: NodeJS.Timeout | undefined;
    const { subscriber, upTo } = hub.subscribe(start.after, () => {
      dropTimer = setTimeout(cut, dropGraceMs);
      dropTimer.unref();
    });
    const release = () => {
      clearTimeout(dropTimer);
      hub.unsubscribe(subscriber);
      const left = (open.get(client) ?? 1) - 1;
      if (left > 0) open.set(client, left);
      else open.delete(client);
    };
    const stop = () => subscriber.interrupt();
    shutdown?.addEventListener('abort', stop);
    const ending = () => stream?.aborted || shutdown?.aborted || subscriber.dropped() !== undefined;

    return streamSSE(c, async (s) => {
      stream = s;
      s.onAbort(stop);
      try {
        if (start.gap) await s.writeSSE({ event: 'gap', data: JSON.stringify(start.gap) });
        let replayed = 0;
        if (start.after && compareStreamPositions(start.after, upTo) < 0) {
          for await (const record of replayRecords(audit, start.after, upTo)) {
            if (ending()) break;
            const event = streamEventOf(record);
            if (!subscriber.wants(event)) continue;
            await writeEvent(s, event);
            subscriber.sent(event);
            replayed += 1;
          }
        }
        if (!ending()) await s.writeSSE({ event: 'ready', data: JSON.stringify({ replayed }) });
        while (!ending()) {
          const next = subscriber.next();
          if (next) {
            await writeEvent(s, next);
            subscriber.sent(next);
          } else if (!(await subscriber.wait(KEEP_ALIVE_MS)) && !ending()) {
            await s.write(': keep-alive\n\n');
          }
        }
        const dropped = subscriber.dropped();
        if (dropped && !s.aborted) await s.writeSSE({ event: 'dropped', data: JSON.stringify({ reason: dropped }) });
        else if (shutdown?.aborted && !s.aborted) await s.writeSSE({ event: 'closing', data: JSON.stringify({ reason: 'the bot is shutting down; reconnect' }) });
      } catch (err) {
        // The store did not answer while replaying: the client reconnects and resumes from its last id.
        log.warn({ err }, 'live stream: could not replay from the store');
        if (!s.aborted) await s.writeSSE({ event: 'closing', data: JSON.stringify({ reason: 'the store did not answer; reconnect with Last-Event-ID to resume' }) });
      } finally {
        shutdown?.removeEventListener('abort', stop);
        release();
      }
    });
  });

  return app;
}
