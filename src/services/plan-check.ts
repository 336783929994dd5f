import { approvalsRequired } from '../core/policy/approval.js';
import { renderPlan, rollbackPlanOf } from '../core/runbooks/plan.js';
import type { Proposal } from '../core/proposal.js';
import type { Plan } from '../core/runbooks/plan.js';
import type { ServiceDeps } from './deps.js';
import type { GuardVerdict } from './guard-chain.js';
import { updateProposal } from './update-proposal.js';

/** Rollbacks always wait for a person, whatever the risk level says. */
export function requiredApprovals(deps: ServiceDeps, plan: Plan, p: Pick<Proposal, 'rollbackOf'>): number {
  const n = approvalsRequired(deps.catalogue.policy, plan);
  return p.rollbackOf ? Math.max(1, n) : n;
}

/**
 * Re-renders the plan from the runbook as it is now. An approval is bound to the digest of the plan
 * the person saw: if the runbook (version, parameters, target) changed since, earlier approvals no
 * longer count, the proposal waits for approval again and the thread says why.
 */
export async function ensurePlanCurrent(deps: ServiceDeps, p: Proposal): Promise<GuardVerdict & { proposal?: Proposal }> {
  const runbook = deps.catalogue.byId.get(p.plan.runbookId);
  if (!runbook) return { allowed: false, guard: 'approval', reason: `runbook ${p.plan.runbookId} is no longer in the catalogue` };
  const rendered = renderPlan(runbook, p.context);
  if (!rendered.ok) return { allowed: false, guard: 'approval', reason: rendered.reason };
  const plan = p.rollbackOf ? rollbackPlanOf(rendered.plan) : rendered.plan;
  if (!plan) return { allowed: false, guard: 'approval', reason: `runbook ${p.plan.runbookId} no longer defines a rollback document` };
  if (plan.digest === p.plan.digest) return { allowed: true, proposal: p };
  const required = requiredApprovals(deps, plan, p);
  const now = deps.clock.now().toISOString();
  const { proposal, changed } = await updateProposal(deps, p.id, (cur) =>
    cur.plan.digest === p.plan.digest && cur.status === p.status ? { ...cur, plan, approvalsRequired: required, status: required === 0 ? cur.status : 'pending_approval', pendingSince: now } : undefined,
  );
  if (!changed || !proposal) return { allowed: false, guard: 'approval', reason: 'the proposal changed while it was being started' };
  await deps.audit.record({
    incidentId: p.incidentId,
    kind: 'approval.invalidated',
    stepKey: `invalidated:${p.id}:${plan.digest}`,
    trigger: 'runbook-change',
    outcome: 'SKIPPED',
    operator: 'automated',
    runbook: plan.runbookId,
    targetResource: plan.target,
    details: { previousDigest: p.plan.digest, digest: plan.digest, previousVersion: p.plan.runbookVersion, version: plan.runbookVersion, reason: 'the plan changed after it was approved; earlier approvals no longer count' },
  });
  if (required === 0) return { allowed: true, proposal };
  return { allowed: false, guard: 'approval', reason: 'the plan changed after it was approved (runbook or parameters); it needs approval again' };
}
