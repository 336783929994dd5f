import { deterministicUuid } from '../core/proposal.js';
import type { Proposal } from '../core/proposal.js';
import { rollbackPlanOf } from '../core/runbooks/plan.js';
import type { ServiceDeps } from './deps.js';
import { escalate, isCritical } from './escalate.js';
import { trackMitigation } from './mitigation.js';
import { requiredApprovals } from './plan-check.js';
import { recordApprovalRequested, recordProposalCreated } from './proposal-records.js';

/**
 * What follows the end of a run, from the proposal's final state: the incident's mitigation status;
 * after a failure, the rollback offered and the on-call paged; after a guard refused a critical
 * incident's action, the on-call paged. Idempotent (conditional writes, step-keyed audit records),
 * so it is safe to run again after a crash.
 */
export async function followUpExecution(deps: ServiceDeps, proposalId: string): Promise<void> {
  const proposal = await deps.proposals.get(proposalId);
  if (!proposal) return;
  await trackMitigation(deps, proposal.incidentId);
  if (proposal.status === 'failed') {
    await proposeRollback(deps, proposal);
    const incident = await deps.incidents.get(proposal.incidentId);
    if (incident) await escalate(deps, incident, 'automation_failed', { key: proposal.id, detail: `${proposal.plan.runbookId} on ${proposal.plan.target}: ${proposal.lastError ?? 'failed'}` });
  }
  // A dry run is not a block anyone needs waking for.
  if (proposal.status === 'blocked' && proposal.blockedBy !== 'dry_run') {
    const incident = await deps.incidents.get(proposal.incidentId);
    if (incident && isCritical(incident)) await escalate(deps, incident, 'guard_blocked', { key: proposal.id, detail: proposal.reason });
  }
}

/** A failed run offers the runbook's rollback as a new proposal, which goes through the same guards. */
async function proposeRollback(deps: ServiceDeps, failed: Proposal): Promise<void> {
  if (failed.rollbackOf) return; // a failed rollback escalates to people, not to another rollback
  const plan = rollbackPlanOf(failed.plan);
  if (!plan) return;
  const now = deps.clock.now().toISOString();
  const rollback: Proposal = {
    id: deterministicUuid('rollback', failed.id),
    incidentId: failed.incidentId,
    round: failed.round,
    plan,
    status: 'pending_approval',
    requestedBy: 'automated',
    context: failed.context,
    rollbackOf: failed.id,
    approvalsRequired: requiredApprovals(deps, plan, { rollbackOf: failed.id }),
    approvals: [],
    pendingSince: now,
    createdAt: now,
    updatedAt: now,
    version: 0,
  };
  const { created } = await deps.proposals.createIfAbsent(rollback);
  if (!created) return;
  await recordProposalCreated(deps, rollback, { trigger: 'rollback' });
  await recordApprovalRequested(deps, rollback, 'rollback');
}
