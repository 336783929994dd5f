import type { ServiceDeps } from './deps.js';

export const STALE_AFTER_MS = 60 * 60_000;

/**
 * An open incident with no activity for an hour gets a reminder in its thread, at most one per
 * hour of silence (the reminder itself is activity in the audit trail, not on the incident).
 */
export async function remindStaleIncidents(deps: ServiceDeps): Promise<number> {
  const now = deps.clock.now().getTime();
  let reminded = 0;
  for (const incident of await deps.incidents.list({ status: ['open', 'acknowledged', 'mitigating'], limit: 500 })) {
    const idleMs = now - Date.parse(incident.updatedAt);
    if (idleMs < STALE_AFTER_MS) continue;
    const hours = Math.floor(idleMs / STALE_AFTER_MS);
    const { created } = await deps.audit.append({
      incidentId: incident.id,
      kind: 'incident.stale_reminder',
      stepKey: `stale:${incident.round}:${incident.updatedAt}:${hours}`,
      trigger: 'schedule',
      outcome: 'SUCCESS',
      operator: 'automated',
      details: { idleMinutes: Math.floor(idleMs / 60_000), status: incident.status, acknowledgedBy: incident.acknowledgedBy },
    });
    if (created) reminded++;
  }
  return reminded;
}
