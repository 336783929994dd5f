import type { Plan } from '../runbooks/plan.js';
import type { Policy } from './schema.js';
import type { Actor } from './authority.js';
import { authorityFor } from './authority.js';

export interface Approval {
  userId: string;
  authority: string;
  at: string;
  /** The plan digest the person saw; an approval of another plan does not count. */
  planDigest: string;
}

export type Decision<Code extends string = string> = { allowed: true } | { allowed: false; code: Code; reason: string };

/** How many approvals a plan needs: 0 means it may run by itself. `reversible: false` always needs one. */
export function approvalsRequired(policy: Policy, plan: Pick<Plan, 'risk' | 'reversible'>): number {
  const rule = policy.risk[plan.risk];
  if (rule.auto && plan.reversible) return 0;
  return Math.max(rule.approvals, 1);
}

export function approversFor(policy: Policy, plan: Pick<Plan, 'risk'>): string[] {
  const rule = policy.risk[plan.risk];
  if (rule.approvers.length > 0) return rule.approvers;
  // A low-risk, irreversible plan has no approvers configured of its own: borrow medium's.
  return policy.risk.medium.approvers;
}

export type ApprovalRefusal = 'NOT_AN_APPROVER' | 'REQUESTER_MAY_NOT_APPROVE' | 'ALREADY_APPROVED';

/** Whether this person may add an approval to this plan now. */
export function assessApproval(
  policy: Policy,
  plan: Plan,
  actor: Actor,
  requestedBy: string,
  existing: readonly Approval[],
): { allowed: true; authority: string } | { allowed: false; code: ApprovalRefusal; reason: string } {
  const authority = authorityFor(policy, actor, approversFor(policy, plan));
  if (!authority) {
    return { allowed: false, code: 'NOT_AN_APPROVER', reason: `<@${actor.userId}> is not an approver for ${plan.risk}-risk runbooks (allowed: ${approversFor(policy, plan).join(', ')})` };
  }
  if (!policy.risk[plan.risk].requester_may_approve && actor.userId === requestedBy) {
    return { allowed: false, code: 'REQUESTER_MAY_NOT_APPROVE', reason: 'the requester may not approve their own high-risk request' };
  }
  if (existing.some((a) => a.userId === actor.userId && a.planDigest === plan.digest)) {
    return { allowed: false, code: 'ALREADY_APPROVED', reason: `<@${actor.userId}> has already approved this plan; another person must approve` };
  }
  return { allowed: true, authority };
}

/** Approvals that still count: same plan digest, distinct people. */
export function validApprovals(plan: Plan, approvals: readonly Approval[]): Approval[] {
  const seen = new Set<string>();
  return approvals.filter((a) => {
    if (a.planDigest !== plan.digest || seen.has(a.userId)) return false;
    seen.add(a.userId);
    return true;
  });
}
