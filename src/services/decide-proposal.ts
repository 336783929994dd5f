import { assessApproval, approversFor, validApprovals } from '../core/policy/approval.js';
import { authorityFor } from '../core/policy/authority.js';
import type { Actor } from '../core/policy/authority.js';
import { automationRequest } from '../core/proposal.js';
import type { Proposal } from '../core/proposal.js';
import type { ServiceDeps } from './deps.js';
import { beginExecution } from './execute-proposal.js';
import type { BeginResult } from './execute-proposal.js';
import { expireIfDue } from './expire-approvals.js';
import { updateProposal } from './update-proposal.js';
import { occurrenceKey } from './occurrence-key.js';

/** What the person who clicked is told; `private` answers go to them alone (ephemeral). */
export type DecisionReply = { ok: true; message: string } | { ok: false; message: string };

function describe(p: Proposal): string {
  return `${p.plan.runbookId} on ${p.plan.target}`;
}

async function refuse(deps: ServiceDeps, p: Proposal, actor: Actor, kind: string, code: string, reason: string, message = `Refused: ${reason}.`): Promise<DecisionReply> {
  deps.metrics.guardRefused(code.toLowerCase());
  await deps.audit.record({
    incidentId: p.incidentId,
    kind,
    // Every refused click is its own record: the time makes the key unique.
    stepKey: `${kind}:${p.id}:${actor.userId}:${occurrenceKey(deps)}`,
    trigger: 'slack',
    outcome: 'FAILURE',
    operator: actor.userId,
    runbook: p.plan.runbookId,
    targetResource: p.plan.target,
    details: { code, reason },
  });
  return { ok: false, message };
}

/** A click on a proposal that no longer waits (a double click, a late one): audited like any refused click. */
function notPending(deps: ServiceDeps, p: Proposal, actor: Actor, kind: string): Promise<DecisionReply> {
  const status = p.status.replace('_', ' ');
  return refuse(deps, p, actor, kind, 'NOT_PENDING', `${describe(p)} is already ${status}`, `Nothing to do: ${describe(p)} is already ${status}.`);
}

/**
 * An Approve click. Checked against the policy, bound to the plan digest the proposal carries,
 * written with a conditional update; the click that completes the approvals starts the run.
 */
export async function approveProposal(deps: ServiceDeps, proposalId: string, actor: Actor, seenDigest?: string): Promise<DecisionReply> {
  const initial = await deps.proposals.get(proposalId);
  if (!initial) return { ok: false, message: 'This proposal no longer exists.' };
  if (initial.status !== 'pending_approval') return notPending(deps, initial, actor, 'approval.refused');
  if (seenDigest && seenDigest !== initial.plan.digest) {
    return { ok: false, message: `Not recorded: the plan of ${describe(initial)} changed after that message was shown. Check the updated proposal and approve that.` };
  }
  if (await expireIfDue(deps, initial)) return { ok: false, message: `Too late: the approval window for ${describe(initial)} has passed; it expired and nothing ran.` };
  const decision = assessApproval(deps.catalogue.policy, initial.plan, actor, initial.requestedBy, initial.approvals);
  if (!decision.allowed) return refuse(deps, initial, actor, 'approval.refused', decision.code, decision.reason);

  let complete = false;
  const { proposal, changed } = await updateProposal(deps, proposalId, (p) => {
    // The approval is for the plan that was assessed above; if it changed meanwhile, record nothing.
    if (p.plan.digest !== initial.plan.digest) return undefined;
    if (p.status !== 'pending_approval' || p.approvals.some((a) => a.userId === actor.userId && a.planDigest === p.plan.digest)) return undefined;
    const approvals = [...p.approvals, { userId: actor.userId, authority: decision.authority, at: deps.clock.now().toISOString(), planDigest: p.plan.digest }];
    complete = validApprovals(p.plan, approvals).length >= p.approvalsRequired;
    return { ...p, approvals, status: complete ? 'approved' : 'pending_approval' };
  });
  if (!changed || !proposal) {
    if (proposal && proposal.plan.digest !== initial.plan.digest) return { ok: false, message: `Not recorded: the plan of ${describe(initial)} changed while you clicked. Check the updated proposal.` };
    if (proposal?.status === 'pending_approval') return refuse(deps, proposal, actor, 'approval.refused', 'ALREADY_APPROVED', `<@${actor.userId}> has already approved this plan; another person must approve`);
    return proposal ? notPending(deps, proposal, actor, 'approval.refused') : { ok: false, message: 'This proposal no longer exists.' };
  }

  await deps.audit.record({
    incidentId: proposal.incidentId,
    kind: 'approval.granted',
    stepKey: `approve:${proposal.id}:${actor.userId}:${proposal.plan.digest}`,
    trigger: 'slack',
    outcome: 'SUCCESS',
    operator: actor.userId,
    authority: decision.authority,
    runbook: proposal.plan.runbookId,
    targetResource: proposal.plan.target,
    details: { approvals: validApprovals(proposal.plan, proposal.approvals).length, required: proposal.approvalsRequired, digest: proposal.plan.digest },
  });
  if (complete) return startAfterApproval(deps, proposal);
  const left = proposal.approvalsRequired - validApprovals(proposal.plan, proposal.approvals).length;
  return { ok: true, message: `Approval recorded; ${left} more needed from another person.` };
}

function describeBegin(deps: ServiceDeps, p: Proposal, result: BeginResult): DecisionReply {
  switch (result.outcome) {
    case 'started':
      return { ok: true, message: `Approved ${describe(p)}; it is running now. Progress follows in the thread.` };
    case 'dry_run':
      return { ok: true, message: `Approved ${describe(p)}. DRY_RUN is on: the request was recorded in the thread, nothing was executed.` };
    case 'refused':
      return { ok: false, message: `Approved, but not run: ${result.reason}.${result.retryAfterMs ? ` You may try again after ${new Date(deps.clock.now().getTime() + result.retryAfterMs).toISOString()} with /remediate.` : ''}` };
    case 'not_ready':
      return { ok: false, message: `Approved; ${describe(p)} is ${result.status.replace('_', ' ')}.` };
  }
}

/** The click that completes the approvals runs the guard chain now, so the clicker hears the verdict. */
async function startAfterApproval(deps: ServiceDeps, p: Proposal): Promise<DecisionReply> {
  const result = await beginExecution(deps, p.id);
  if (result.outcome === 'started') deps.workflow.executionStarted(p.id);
  return describeBegin(deps, p, result);
}

/** A Reject click by an allowed approver ends the proposal. */
export async function rejectProposal(deps: ServiceDeps, proposalId: string, actor: Actor): Promise<DecisionReply> {
  const initial = await deps.proposals.get(proposalId);
  if (!initial) return { ok: false, message: 'This proposal no longer exists.' };
  if (initial.status !== 'pending_approval') return notPending(deps, initial, actor, 'rejection.refused');
  const authority = authorityFor(deps.catalogue.policy, actor, approversFor(deps.catalogue.policy, initial.plan));
  if (!authority) return refuse(deps, initial, actor, 'rejection.refused', 'NOT_AN_APPROVER', `<@${actor.userId}> is not an approver for ${initial.plan.risk}-risk runbooks`);
  const { proposal, changed } = await updateProposal(deps, proposalId, (p) =>
    p.status === 'pending_approval' ? { ...p, status: 'rejected', rejectedBy: actor.userId, reason: `rejected by <@${actor.userId}>` } : undefined,
  );
  if (!changed || !proposal) return proposal ? notPending(deps, proposal, actor, 'rejection.refused') : { ok: false, message: 'This proposal no longer exists.' };
  await deps.audit.record({
    incidentId: proposal.incidentId,
    kind: 'approval.rejected',
    stepKey: `reject:${proposal.id}`,
    trigger: 'slack',
    outcome: 'SUCCESS',
    operator: actor.userId,
    authority,
    runbook: proposal.plan.runbookId,
    targetResource: proposal.plan.target,
  });
  return { ok: true, message: `Rejected ${describe(proposal)}.` };
}

/** A Dry run click: records and shows exactly the request that would be sent; changes nothing. */
export async function previewProposal(deps: ServiceDeps, proposalId: string, actor: Actor): Promise<DecisionReply> {
  const p = await deps.proposals.get(proposalId);
  if (!p) return { ok: false, message: 'This proposal no longer exists.' };
  const authority = authorityFor(deps.catalogue.policy, actor, Object.keys(deps.catalogue.policy.authorities));
  if (!authority) return refuse(deps, p, actor, 'dry_run.refused', 'NO_AUTHORITY', `<@${actor.userId}> holds no authority in the policy`);
  const request = automationRequest(p);
  await deps.audit.record({
    incidentId: p.incidentId,
    kind: 'action.dry_run',
    stepKey: `preview:${p.id}:${actor.userId}:${occurrenceKey(deps)}`,
    trigger: 'slack',
    outcome: 'SKIPPED',
    operator: actor.userId,
    authority,
    runbook: p.plan.runbookId,
    targetResource: p.plan.target,
    action: p.plan.action.document,
    details: { request, note: 'Dry run requested: StartAutomationExecution was not called' },
  });
  return { ok: true, message: `Dry run of ${describe(p)} recorded in the thread.` };
}
