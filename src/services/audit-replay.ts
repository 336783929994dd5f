import type { AuditRecord } from '../core/audit.js';
import { compareStreamPositions, parseStreamEventId } from '../core/audit-event-id.js';
import type { StreamPosition } from '../core/audit-event-id.js';
import type { AuditStore } from './ports.js';

/** Records not replayed, and why (the stream says so in a `gap` event rather than skip them silently). */
export interface ReplayGap {
  reason: string;
  /** The records between these two times were not replayed. */
  from?: string;
  to?: string;
}

export type ReplayStart = { ok: true; after?: StreamPosition; gap?: ReplayGap } | { ok: false; error: string };

/** An id this far ahead of this replica's clock did not come from any writer's (clocks differ by far less). */
const MAX_AHEAD_MS = 5 * 60_000;
/**
 * Records read from the store per request while replaying. Records can be up to DynamoDB's 400 KB,
 * so 25 keep a request (and what the replica holds before the client has read it) to about 10 MB,
 * and the first events reach the client after one short read, not one of up to 16 MB.
 */
const REPLAY_BATCH = 25;

/**
 * Where a reconnecting client resumes: just after its `Last-Event-ID`, at most `windowMs` back
 * (older records are history, for `GET /api/audit`). An id without a time (as bots before the time
 * index sent) is looked up to find it.
 */
export async function replayStart(lastEventId: string | undefined, options: { audit: Pick<AuditStore, 'after'>; now: number; windowMs: number }): Promise<ReplayStart> {
  if (!lastEventId) return { ok: true };
  const parsed = parseStreamEventId(lastEventId);
  if (!parsed.ok) return { ok: false, error: `last-event-id: ${parsed.reason}` };
  let after: StreamPosition;
  if ('legacy' in parsed) {
    const { incidentId, seq } = parsed.legacy;
    const [record] = await options.audit.after(incidentId, seq - 1, 1);
    if (record?.seq !== seq) return { ok: true, gap: { reason: `Last-Event-ID ${lastEventId} names no audit record; nothing was replayed` } };
    after = { incidentId, seq, timestamp: record.timestamp };
  } else {
    after = parsed.position;
  }
  if (Date.parse(after.timestamp) > options.now + MAX_AHEAD_MS) return { ok: false, error: `last-event-id: ${lastEventId} is from the future; send the id of the last event received` };
  const windowStart = new Date(options.now - options.windowMs).toISOString();
  if (after.timestamp >= windowStart) return { ok: true, after };
  return {
    ok: true,
    after: { incidentId: '', seq: 0, timestamp: windowStart },
    gap: { reason: `the stream replays the last ${Math.round(options.windowMs / 60_000)} min only; read older records with GET /api/audit?since=${after.timestamp}`, from: after.timestamp, to: windowStart },
  };
}

/** The records after `after` up to `upTo`, in stream order, read from the store's time index. */
export async function* replayRecords(store: Pick<AuditStore, 'feed' | 'byKeys'>, after: StreamPosition, upTo: StreamPosition): AsyncGenerator<AuditRecord> {
  const keys = (await store.feed(after.timestamp)).filter((k) => compareStreamPositions(k, after) > 0 && compareStreamPositions(k, upTo) <= 0);
  for (let i = 0; i < keys.length; i += REPLAY_BATCH) yield* await store.byKeys(keys.slice(i, i + REPLAY_BATCH));
}
