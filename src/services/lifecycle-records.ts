import type { Incident } from '../core/incident.js';
import type { ServiceDeps } from './deps.js';

/**
 * The lifecycle records implied by the incident's current state: opened, reopened (per round),
 * resolved. Called when ingestion changed the state, and again by incident processing, so a step
 * interrupted between the incident write and its audit is completed. Each record is keyed by its
 * step, so calling this twice writes nothing new.
 */
export async function auditLifecycle(deps: Pick<ServiceDeps, 'audit'>, incident: Incident): Promise<void> {
  const base = { incidentId: incident.id, trigger: incident.source, outcome: 'SUCCESS' as const, operator: 'automated' };
  const firstAlert = Object.values(incident.alerts)[0];
  await deps.audit.record({ ...base, kind: 'incident.opened', stepKey: 'opened', alertname: firstAlert?.name, details: { title: incident.title, severity: incident.severity, groupKey: incident.groupKey } });
  if (incident.round > 0) await deps.audit.record({ ...base, kind: 'incident.reopened', stepKey: `reopened:${incident.round}`, details: { round: incident.round } });
  if (incident.status === 'resolved') {
    await deps.audit.record({ ...base, kind: 'incident.resolved', stepKey: `resolved:${incident.round}`, details: { resolvedAt: incident.resolvedAt, reason: 'all alerts resolved' } });
  }
}
