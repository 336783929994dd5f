import type { ServiceDeps } from './deps.js';
import { escalate } from './escalate.js';
import { expireIfDue, expiresAt } from './expire-approvals.js';

export interface ApprovalSweep {
  expired: number;
  reminded: number;
  escalated: number;
}

/**
 * Every minute: expire pending approvals past `expires_after`; remind the approvers once when half
 * the window has gone; page the on-call once an approval has waited `escalation.approval_pending_after`.
 */
export async function sweepApprovals(deps: ServiceDeps): Promise<ApprovalSweep> {
  const result: ApprovalSweep = { expired: 0, reminded: 0, escalated: 0 };
  const now = deps.clock.now().getTime();
  const { policy } = deps.catalogue;
  for (const p of await deps.proposals.listByStatus(['pending_approval'])) {
    if (await expireIfDue(deps, p)) {
      result.expired++;
      continue;
    }
    const since = Date.parse(p.pendingSince ?? p.createdAt);
    const due = expiresAt(deps, p);
    if (due !== undefined && now >= since + (due - since) / 2) {
      const { created } = await deps.audit.append({
        incidentId: p.incidentId,
        kind: 'approval.reminder',
        stepKey: `reminder:${p.id}`,
        trigger: 'schedule',
        outcome: 'SUCCESS',
        operator: 'automated',
        runbook: p.plan.runbookId,
        targetResource: p.plan.target,
        details: { approvers: policy.risk[p.plan.risk].approvers, expiresAt: new Date(due).toISOString(), approvals: p.approvals.length, required: p.approvalsRequired },
      });
      if (created) result.reminded++;
    }
    const pendingAfter = policy.escalation.approval_pending_after;
    if (pendingAfter !== undefined && now - since >= pendingAfter) {
      const incident = await deps.incidents.get(p.incidentId);
      if (incident && incident.status !== 'resolved') {
        await escalate(deps, incident, 'approval_pending', { key: p.id, detail: `${p.plan.runbookId} on ${p.plan.target} has waited ${Math.round((now - since) / 60_000)} min for approval` });
        result.escalated++;
      }
    }
  }
  return result;
}
