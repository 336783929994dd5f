import type { ServiceDeps } from './deps.js';
import { refreshRoot } from './incident-view.js';
import { runDiagnostics } from './run-diagnostics.js';
import { runProposal } from './execute-proposal.js';
import { showProposal } from './show-proposal.js';
import { recordApprovalRequested } from './proposal-records.js';
import { updateProposal } from './update-proposal.js';

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
    const pendingSince = deps.clock.now().toISOString();
    const { changed } = await updateProposal(deps, proposalId, (p) => (p.status === 'diagnosing' ? { ...p, status: next, ...(next === 'pending_approval' ? { pendingSince } : {}) } : undefined));
    if (!changed) return;
    await showProposal(deps, proposalId);
    await refreshRoot(deps, proposal.incidentId);
    if (next === 'pending_approval') {
      await recordApprovalRequested(deps, proposal, 'proposal');
    }
  }
  const current = await deps.proposals.get(proposalId);
  if (current && (current.status === 'approved' || current.status === 'running')) await runProposal(deps, proposalId);
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
