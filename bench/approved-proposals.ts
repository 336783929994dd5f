import type { Catalogue } from '../src/config/load-catalogue.js';
import { approvalsRequired } from '../src/core/policy/approval.js';
import { proposalId } from '../src/core/proposal.js';
import type { Proposal } from '../src/core/proposal.js';
import { renderPlan } from '../src/core/runbooks/plan.js';
import { USERS } from '../test/e2e/harness.js';
import { instanceId } from './alertmanager-payloads.js';

export interface Approver {
  userId: string;
  authority: string;
}

/**
 * A proposal as it stands when its approvals are in and it is about to start: `runbookId` rendered
 * for `labels` by the shipped runbook, approved by `approvers` for exactly that plan (its digest).
 * Built in memory and never stored: the guard chain reads kill switches, cooldowns and rate-limit
 * buckets, not the proposal. Each distinct target has its own cooldown, so calls never collide.
 */
export function approvedProposal(catalogue: Catalogue, runbookId: string, labels: Record<string, string>, approvers: readonly Approver[]): Proposal {
  const runbook = catalogue.byId.get(runbookId);
  if (!runbook) throw new Error(`runbook ${runbookId} is not in the catalogue: check RUNBOOKS_DIR`);
  const rendered = renderPlan(runbook, { labels, annotations: {} });
  if (!rendered.ok) throw new Error(`${runbookId} did not render for ${JSON.stringify(labels)}: ${rendered.reason}`);
  const { plan } = rendered;
  const required = approvalsRequired(catalogue.policy, plan);
  if (approvers.length < required) throw new Error(`${runbookId} needs ${required} approvals under policy.yaml; ${approvers.length} given`);
  const now = new Date().toISOString();
  const incidentId = `bench-${plan.target}`;
  return {
    id: proposalId(incidentId, 1, plan.runbookId, plan.target),
    incidentId,
    round: 1,
    plan,
    status: 'approved',
    requestedBy: 'automated',
    context: { labels, annotations: {} },
    approvalsRequired: required,
    approvals: approvers.map((a) => ({ ...a, at: now, planDigest: plan.digest })),
    createdAt: now,
    updatedAt: now,
    version: 0,
  };
}

/**
 * ec2-stop-start-instance (medium risk, action type restart) on instance `n`, approved by the
 * on-call SRE: the policy's one approval from ON_CALL_SRE or HUMAN_OPERATOR.
 */
export function approvedStopStart(catalogue: Catalogue, n: number): Proposal {
  return approvedProposal(catalogue, 'ec2-stop-start-instance', { alertname: 'EC2InstanceStatusCheckFailed', instance_id: instanceId(n) }, [
    { userId: USERS.sre, authority: 'ON_CALL_SRE' },
  ]);
}
