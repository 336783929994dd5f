import type { ServiceDeps } from './deps.js';
import { loadView, refreshRoot } from './incident-view.js';
import { inThread } from './thread-mirror.js';
import { runDiagnostics } from './run-diagnostics.js';
import { executeProposal } from './execute-proposal.js';
import { updateProposal } from './update-proposal.js';

/** Posts or updates the proposal's message (plan and buttons) and remembers its ts. */
export async function showProposal(deps: ServiceDeps, proposalId: string): Promise<void> {
  if (!deps.channel.enabled) return;
  const proposal = await deps.proposals.get(proposalId);
  if (!proposal) return;
  const view = await loadView(deps, proposal.incidentId);
  if (!view?.incident.slackTs) return;
  const runbook = deps.catalogue.byId.get(proposal.plan.runbookId);
  if (proposal.messageTs) {
    await inThread(deps, proposal.incidentId, () => deps.channel.updateProposal(view, proposal, runbook));
    return;
  }
  const ts = await inThread(deps, proposal.incidentId, () => deps.channel.postProposal(view, proposal, runbook));
  if (ts) await updateProposal(deps, proposalId, (p) => (p.messageTs ? undefined : { ...p, messageTs: ts }));
}

/**
 * Moves a proposal forward from whatever state it is in: diagnostics → awaiting approval (or
 * approved when policy lets it run by itself) → execution. Safe to call again after a restart.
 */
export async function advanceProposal(deps: ServiceDeps, proposalId: string): Promise<void> {
  const proposal = await deps.proposals.get(proposalId);
  if (!proposal) return;
  if (proposal.status === 'diagnosing') {
    await runDiagnostics(deps, proposal);
    const next = proposal.approvalsRequired === 0 ? 'approved' : 'pending_approval';
    const { changed } = await updateProposal(deps, proposalId, (p) => (p.status === 'diagnosing' ? { ...p, status: next } : undefined));
    if (!changed) return;
    await showProposal(deps, proposalId);
    await refreshRoot(deps, proposal.incidentId);
    if (next === 'pending_approval') {
      await deps.audit.record({
        incidentId: proposal.incidentId,
        kind: 'approval.requested',
        stepKey: `approval-requested:${proposal.id}`,
        trigger: 'proposal',
        outcome: 'SUCCESS',
        operator: 'automated',
        runbook: proposal.plan.runbookId,
        targetResource: proposal.plan.target,
        details: { risk: proposal.plan.risk, approvalsRequired: proposal.approvalsRequired, reversible: proposal.plan.reversible },
      });
    }
  }
  const current = await deps.proposals.get(proposalId);
  if (current && (current.status === 'approved' || current.status === 'running')) await executeProposal(deps, proposalId);
}

/** Ends a proposal that can no longer run (its incident resolved first). */
export async function withdrawProposal(deps: ServiceDeps, proposalId: string, reason: string): Promise<void> {
  const { proposal, changed } = await updateProposal(deps, proposalId, (p) =>
    p.status === 'pending_approval' || p.status === 'diagnosing' ? { ...p, status: 'withdrawn', reason } : undefined,
  );
  if (!changed || !proposal) return;
  await deps.audit.record({
    incidentId: proposal.incidentId,
    kind: 'proposal.withdrawn',
    stepKey: `withdrawn:${proposal.id}`,
    trigger: 'incident',
    outcome: 'SKIPPED',
    operator: 'automated',
    runbook: proposal.plan.runbookId,
    targetResource: proposal.plan.target,
    details: { reason },
  });
  await showProposal(deps, proposalId);
}
