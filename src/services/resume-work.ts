import { IN_FLIGHT_PROPOSAL_STATUSES } from '../core/proposal.js';
import type { ServiceDeps } from './deps.js';

/**
 * After a restart: reports every proposal that was diagnosing, approved or running (an execution
 * already started is polled, never started a second time), and every open incident, so any step
 * interrupted between "alert stored" and "proposal posted" is completed.
 */
export async function resumeWork(deps: Pick<ServiceDeps, 'proposals' | 'incidents' | 'workflow' | 'log'>): Promise<void> {
  const inFlight = await deps.proposals.listByStatus([...IN_FLIGHT_PROPOSAL_STATUSES]);
  for (const p of inFlight) deps.workflow.proposalReady(p.id);
  const open = await deps.incidents.list({ status: ['open', 'acknowledged', 'mitigating'], limit: 100_000 });
  for (const incident of open) deps.workflow.incidentChanged(incident.id);
  if (inFlight.length + open.length > 0) deps.log.info({ proposals: inFlight.length, incidents: open.length }, 'resuming work from the store');
}
