/**
 * Where an audit record sits in the live stream: its time (the writer's clock), then its incident
 * and seq. Every replica orders records the same way, so the stream's order and its event ids are
 * the same whichever replica serves it.
 */
export interface StreamPosition {
  incidentId: string;
  seq: number;
  timestamp: string;
}

/** Stream order: time, then incident, then seq (what the store's time index gives). */
export function compareStreamPositions(a: StreamPosition, b: StreamPosition): number {
  if (a.timestamp !== b.timestamp) return a.timestamp < b.timestamp ? -1 : 1;
  if (a.incidentId !== b.incidentId) return a.incidentId < b.incidentId ? -1 : 1;
  return a.seq - b.seq;
}

/**
 * The SSE `id` of a record: `<incidentId>:<seq>@<timestamp>`, e.g. `INC-7:3@2026-01-05T10:00:00.000Z`.
 * The same record has the same id on every replica; the time in it lets a reconnect with
 * `Last-Event-ID` read the time index from there, with no lookup of the record first.
 */
export function streamEventId(p: StreamPosition): string {
  return `${p.incidentId}:${p.seq}@${p.timestamp}`;
}

export type ParsedEventId =
  | { ok: true; position: StreamPosition }
  /** `<incidentId>:<seq>` alone, as bots before the time index sent it: the caller looks up its time. */
  | { ok: true; legacy: { incidentId: string; seq: number } }
  | { ok: false; reason: string };

const EVENT_ID = /^([^@\s]{1,100}):(\d{1,9})(?:@(.+))?$/;

/** Reads a `Last-Event-ID` header back into a position (or says why it cannot). */
export function parseStreamEventId(id: string): ParsedEventId {
  const m = EVENT_ID.exec(id);
  const example = 'expected an id this stream sent, such as INC-7:3@2026-01-05T10:00:00.000Z';
  if (!m) return { ok: false, reason: example };
  const [, incidentId, seqText, timestamp] = m as unknown as [string, string, string, string | undefined];
  const seq = Number(seqText);
  if (seq < 1) return { ok: false, reason: example };
  if (timestamp === undefined) return { ok: true, legacy: { incidentId, seq } };
  const ms = Date.parse(timestamp);
  if (Number.isNaN(ms) || new Date(ms).toISOString() !== timestamp) return { ok: false, reason: `${example} (the time is not an ISO 8601 UTC time with milliseconds)` };
  return { ok: true, position: { incidentId, seq, timestamp } };
}
