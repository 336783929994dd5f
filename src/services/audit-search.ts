import type { AuditRecord } from '../core/audit.js';
import type { AuditQuery, AuditStore } from './ports.js';

/** Incidents one alert name may reach: more would make `?alertname=` a scan of everything. */
const MAX_INCIDENTS = 200;
const DEFAULT_N = 100;

/**
 * `/api/audit`. With `alertname`, "what happened because of this alert": every record of each
 * incident the alert opened or joined (its proposals, approvals, actions, resolution), not only
 * the records that carry the alert's name. The other filters then apply to those records.
 */
export async function searchAudit(audit: Pick<AuditStore, 'query' | 'chain'>, q: AuditQuery): Promise<AuditRecord[]> {
  if (q.alertname === undefined) return audit.query(q);
  const { alertname, ...rest } = q;
  const named = await audit.query({ alertname, n: 1000, ...(q.incident !== undefined ? { incident: q.incident } : {}) });
  const incidents = [...new Set(named.map((r) => r.incidentId))].slice(-MAX_INCIDENTS);
  const chains = await Promise.all(incidents.map((id) => audit.query({ ...rest, incident: id, n: 1000 })));
  return chains
    .flat()
    .sort((a, b) => a.timestamp.localeCompare(b.timestamp) || a.incidentId.localeCompare(b.incidentId) || a.seq - b.seq)
    .slice(-(q.n ?? DEFAULT_N));
}
