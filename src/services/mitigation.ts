import { withMitigation } from '../core/incident.js';
import type { ServiceDeps } from './deps.js';
import { updateIncident } from './update-incident.js';

/**
 * Mitigating while an action runs, and after one succeeded (until the alerts clear); back to
 * acknowledged or open when the only action of this round failed. Idempotent: it reads where the
 * incident's actions stand and writes only a change.
 */
export async function trackMitigation(deps: Pick<ServiceDeps, 'incidents' | 'proposals' | 'audit'>, incidentId: string): Promise<void> {
  const before = await deps.incidents.get(incidentId);
  const running = (await deps.proposals.listByIncident(incidentId)).some((p) => p.round === before?.round && (p.status === 'running' || p.status === 'succeeded'));
  const after = await updateIncident(deps, incidentId, (current) => withMitigation(current, running));
  if (!before || !after || before.status === after.status) return;
  await deps.audit.record({
    incidentId,
    kind: 'incident.status_changed',
    stepKey: `status:${after.round}:${after.status}:${after.updatedAt}:${after.version}`,
    trigger: 'action',
    outcome: 'SUCCESS',
    operator: 'automated',
    details: { from: before.status, to: after.status },
  });
}
