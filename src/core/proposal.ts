import { createHash } from 'node:crypto';
import type { Plan } from './runbooks/plan.js';
import type { Approval } from './policy/approval.js';

export type ProposalStatus =
  | 'diagnosing' // read-only diagnostics run before the proposal is shown
  | 'pending_approval'
  | 'approved' // enough approvals (or auto): about to run
  | 'running'
  | 'succeeded'
  | 'failed'
  | 'dry_run' // recorded what would have run
  | 'skipped' // ran, and its document found the target not eligible: it changed nothing
  | 'rejected'
  | 'blocked' // a guard refused it
  | 'expired' // an approval waited too long
  | 'withdrawn'; // the incident resolved before it ran

export const TERMINAL_PROPOSAL_STATUSES: readonly ProposalStatus[] = ['succeeded', 'failed', 'skipped', 'dry_run', 'rejected', 'blocked', 'expired', 'withdrawn'];

/**
 * Whether a successful execution took its document's eligibility exit: the documents declare the
 * output `CollectDiagnostics.Eligible` (false: not eligible, nothing changed) with the reason in
 * `CollectDiagnostics.Reason` (runbooks/ssm rules). Undefined when the run was eligible, or its
 * document says nothing of eligibility.
 */
export function notEligible(outputs: Record<string, string[]>): { reason: string } | undefined {
  const eligible = Object.entries(outputs).find(([name]) => name.endsWith('.Eligible'))?.[1]?.[0];
  if (eligible === undefined || !/^false$/i.test(eligible.trim())) return undefined;
  const reason = Object.entries(outputs).find(([name]) => name.endsWith('.Reason'))?.[1]?.[0];
  return { reason: reason?.trim() || 'the document found the target not eligible' };
}

/** Statuses a restarted bot must pick up again. */
export const IN_FLIGHT_PROPOSAL_STATUSES: readonly ProposalStatus[] = ['diagnosing', 'approved', 'running'];

/** One runbook proposed for one target in one incident; becomes an action once it runs. */
export interface Proposal {
  /** A UUID derived from (incident, round, runbook, target): the SSM ClientToken. */
  id: string;
  incidentId: string;
  round: number;
  plan: Plan;
  status: ProposalStatus;
  /** `automated`, or the Slack user who asked (/remediate). */
  requestedBy: string;
  /** The requester's authority (/remediate): pays the rate-limit token when no approval is needed. */
  requesterAuthority?: string;
  /** The labels and annotations the plan was rendered from, to re-render it before the run. */
  context: { labels: Record<string, string>; annotations: Record<string, string> };
  /** When it started waiting for approval: `expires_after` counts from here. */
  pendingSince?: string;
  /** Set on a rollback proposal: the proposal whose failed run it undoes. */
  rollbackOf?: string;
  approvalsRequired: number;
  approvals: Approval[];
  rejectedBy?: string;
  /** Slack ts of the proposal message in the thread, to update its buttons. */
  messageTs?: string;
  /** When a StartAutomationExecution was first sent: from then on, SSM is asked before another start. */
  startSentAt?: string;
  executionId?: string;
  /** The exact StartAutomationExecution request, kept for dry runs and audit. */
  request?: { DocumentName: string; Parameters: Record<string, string[]>; ClientToken: string };
  executionStatus?: string;
  lastError?: string;
  /** The guard that refused it, for `blocked`. */
  blockedBy?: string;
  /** Why it ended, in words, for rejected / blocked / withdrawn / expired. */
  reason?: string;
  createdAt: string;
  updatedAt: string;
  startedAt?: string;
  finishedAt?: string;
  version: number;
}

/** Formats the first 16 bytes of a sha256 as an RFC 4122 (version 5 style) UUID. */
export function deterministicUuid(...parts: string[]): string {
  const h = createHash('sha256').update(parts.join('\u0000')).digest();
  h[6] = ((h[6] ?? 0) & 0x0f) | 0x50;
  h[8] = ((h[8] ?? 0) & 0x3f) | 0x80;
  const hex = h.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

export function proposalId(incidentId: string, round: number, runbookId: string, target: string): string {
  return deterministicUuid('proposal', incidentId, String(round), runbookId, target);
}

/** The SSM request for a plan's action: SSM wants every parameter value as a list. */
export function automationRequest(proposal: Pick<Proposal, 'id' | 'plan'>): NonNullable<Proposal['request']> {
  return {
    DocumentName: proposal.plan.action.document,
    Parameters: Object.fromEntries(Object.entries(proposal.plan.action.parameters).map(([k, v]) => [k, [v]])),
    ClientToken: proposal.id,
  };
}
