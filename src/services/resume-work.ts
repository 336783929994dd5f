import { IN_FLIGHT_PROPOSAL_STATUSES } from '../core/proposal.js';
import type { ServiceDeps } from './deps.js';
import { advanceProposal } from './advance-proposal.js';
import { processIncident } from './process-incident.js';

/**
 * After a restart: picks up every proposal that was diagnosing, approved or running (polling an
 * execution already started, never starting a second one), and re-processes open incidents so
 * any step interrupted between "alert stored" and "proposal posted" is completed.
 */
export async function resumeWork(deps: ServiceDeps): Promise<void> {
  const inFlight = await deps.proposals.listByStatus([...IN_FLIGHT_PROPOSAL_STATUSES]);
  for (const p of inFlight) void deps.tasks.run(`proposal:${p.id}`, () => advanceProposal(deps, p.id));
  const open = await deps.incidents.list({ status: ['open', 'acknowledged', 'mitigating'], limit: 100_000 });
  for (const incident of open) void deps.tasks.run(`incident:${incident.id}`, () => processIncident(deps, incident.id));
  if (inFlight.length + open.length > 0) deps.log.info({ proposals: inFlight.length, incidents: open.length }, 'resuming work from the store');
}
