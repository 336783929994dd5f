import type { AuditRecord } from '../../core/audit.js';
import type { AuditQuery } from '../../services/ports.js';

const DEFAULT_N = 100;
const MAX_N = 1000;

/** Whether a record passes the query's filters (the incident is chosen by the read itself). */
export function matchesAuditQuery(record: AuditRecord, q: AuditQuery): boolean {
  if (q.incident !== undefined && record.incidentId !== q.incident) return false;
  if (q.kind !== undefined && record.kind !== q.kind) return false;
  if (q.alertname !== undefined && record.alertname !== q.alertname) return false;
  if (q.since !== undefined && isBefore(record.timestamp, q.since)) return false;
  if (q.contains !== undefined && !JSON.stringify(record).toLowerCase().includes(q.contains.toLowerCase())) return false;
  return true;
}

/** Compares as instants, so `since` may carry an offset; an unparseable one compares as text. */
function isBefore(timestamp: string, since: string): boolean {
  const sinceMs = Date.parse(since);
  return Number.isNaN(sinceMs) ? timestamp < since : Date.parse(timestamp) < sinceMs;
}

/** How many records a query returns: `n`, defaulting to 100 and capped at 1000. */
export function resultSize(n: number | undefined): number {
  if (n === undefined || !Number.isFinite(n)) return DEFAULT_N;
  return Math.min(Math.max(Math.trunc(n), 1), MAX_N);
}
