import { IN_FLIGHT_PROPOSAL_STATUSES } from '../core/proposal.js';
import type { ServiceDeps } from './deps.js';

/**
 * How long after an action succeeded a restart still takes up its `verify` check when it has no
 * verdict: the check's window may have passed meanwhile, and then it is checked once more and
 * given its verdict (a check that does not hold pages, as it would have without the restart).
 */
const RESUME_VERIFY_MS = 24 * 60 * 60_000;

/**
 * After a restart: reports every proposal that was diagnosing, approved or running (an execution
 * already started is polled, never started a second time), every action that succeeded recently
 * with a `verify` check (checked again unless it has its verdict), and every open incident, so any
 * step interrupted between "alert stored" and "proposal posted" is completed.
 */
export async function resumeWork(deps: Pick<ServiceDeps, 'proposals' | 'incidents' | 'workflow' | 'clock' | 'log'>): Promise<void> {
  const inFlight = await deps.proposals.listByStatus([...IN_FLIGHT_PROPOSAL_STATUSES]);
  for (const p of inFlight) deps.workflow.proposalReady(p.id);
  // Read from the index by time: a long-lived store holds every action that ever succeeded.
  const since = new Date(deps.clock.now().getTime() - RESUME_VERIFY_MS).toISOString();
  const toVerify = (await deps.proposals.listByStatus(['succeeded'], { updatedSince: since })).filter((p) => p.plan.verify);
  for (const p of toVerify) deps.workflow.verificationPending(p.id);
  const open = await deps.incidents.list({ status: ['open', 'acknowledged', 'mitigating'], limit: 100_000 });
  for (const incident of open) deps.workflow.incidentChanged(incident.id);
  if (inFlight.length + toVerify.length + open.length > 0) deps.log.info({ proposals: inFlight.length, verifyChecks: toVerify.length, incidents: open.length }, 'resuming work from the store');
}
