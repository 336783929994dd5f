import { IN_FLIGHT_PROPOSAL_STATUSES } from '../core/proposal.js';
import type { ServiceDeps } from './deps.js';

/** A proposal in flight whose state has not moved for this long is driven again. */
export const STALLED_AFTER_MS = 2 * 60_000;

/**
 * Re-drives in-flight proposals (diagnosing, approved, running) that have not changed for a while:
 * work whose process died, whose polling lost track, or whose follow-up steps failed. Safe to run
 * on work that is in fact still going: every transition is a conditional write, a start reuses the
 * ClientToken, and a poll of a finished execution finds it finished.
 */
export async function resumeStalledProposals(deps: ServiceDeps): Promise<number> {
  const cutoff = deps.clock.now().getTime() - STALLED_AFTER_MS;
  const stalled = (await deps.proposals.listByStatus([...IN_FLIGHT_PROPOSAL_STATUSES])).filter((p) => Date.parse(p.updatedAt) < cutoff);
  for (const p of stalled) deps.workflow.proposalReady(p.id);
  return stalled.length;
}
