import type { Proposal } from '../core/proposal.js';
import type { ServiceDeps } from './deps.js';

/** The audit step of a new proposal, whatever made it: an alert, /remediate, a failed run. */
export async function recordProposalCreated(
  deps: ServiceDeps,
  p: Proposal,
  by: { trigger: string; operator?: string; authority?: string; alertname?: string; details?: Record<string, unknown> },
): Promise<void> {
  const { plan } = p;
  await deps.audit.record({
    incidentId: p.incidentId,
    kind: 'proposal.created',
    stepKey: `proposal:${p.id}`,
    trigger: by.trigger,
    outcome: 'SUCCESS',
    operator: by.operator ?? 'automated',
    authority: by.authority,
    alertname: by.alertname,
    runbook: plan.runbookId,
    targetResource: plan.target,
    action: plan.action.document,
    rollbackPlan: plan.rollback?.description,
    details: { proposalId: p.id, risk: plan.risk, approvalsRequired: p.approvalsRequired, parameters: plan.action.parameters, digest: plan.digest, rollbackOf: p.rollbackOf, ...by.details },
  });
}

/** The audit step (and thread line) saying a proposal now waits for people. */
export async function recordApprovalRequested(deps: ServiceDeps, p: Proposal, trigger: string): Promise<void> {
  await deps.audit.record({
    incidentId: p.incidentId,
    kind: 'approval.requested',
    stepKey: `approval-requested:${p.id}`,
    trigger,
    outcome: 'SUCCESS',
    operator: 'automated',
    runbook: p.plan.runbookId,
    targetResource: p.plan.target,
    // proposalId: the thread shows the proposal's own message (plan and buttons) at this step.
    details: { proposalId: p.id, risk: p.plan.risk, approvalsRequired: p.approvalsRequired, reversible: p.plan.reversible, rollbackOf: p.rollbackOf },
  });
}
