import type { Proposal } from '../core/proposal.js';
import type { ServiceDeps } from './deps.js';
import { updateProposal } from './update-proposal.js';

/** When a pending approval expires, from the policy's `expires_after` for its risk level. */
export function expiresAt(deps: ServiceDeps, p: Proposal): number | undefined {
  const window = deps.catalogue.policy.risk[p.plan.risk].expires_after;
  if (window === undefined || p.status !== 'pending_approval') return undefined;
  return Date.parse(p.pendingSince ?? p.createdAt) + window;
}

/**
 * Expires a pending approval whose window has passed: audited, buttons removed. Returns true if
 * the proposal is (now) expired, so a late click is refused.
 */
export async function expireIfDue(deps: ServiceDeps, p: Proposal): Promise<boolean> {
  const due = expiresAt(deps, p);
  if (due === undefined || deps.clock.now().getTime() < due) return p.status === 'expired';
  const { proposal, changed } = await updateProposal(deps, p.id, (cur) =>
    cur.status === 'pending_approval' ? { ...cur, status: 'expired', reason: `no decision within the approval window (${new Date(due).toISOString()})` } : undefined,
  );
  if (changed && proposal) {
    deps.metrics.approvalExpired(proposal.plan.runbookId);
    await deps.audit.record({
      incidentId: proposal.incidentId,
      kind: 'approval.expired',
      stepKey: `expired:${proposal.id}`,
      trigger: 'policy',
      outcome: 'SKIPPED',
      operator: 'automated',
      runbook: proposal.plan.runbookId,
      targetResource: proposal.plan.target,
      details: { pendingSince: proposal.pendingSince, expiredAt: new Date(due).toISOString(), approvals: proposal.approvals.length, required: proposal.approvalsRequired },
    });
  }
  return true;
}

/** Expires every pending approval that is due. Run every minute by the scheduler. */
export async function expireDueApprovals(deps: ServiceDeps): Promise<number> {
  let expired = 0;
  for (const p of await deps.proposals.listByStatus(['pending_approval'])) if (await expireIfDue(deps, p)) expired++;
  return expired;
}
