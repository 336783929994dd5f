import type { ServiceDeps } from './deps.js';
import { runDiagnostics } from './run-diagnostics.js';
import { beginExecution } from './execute-proposal.js';
import { recordApprovalRequested } from './proposal-records.js';
import { updateProposal } from './update-proposal.js';

/**
 * Moves a proposal forward from whatever state it is in: diagnostics → awaiting approval (or
 * approved when policy lets it run by itself) → the run claimed. Reports a claimed or already
 * running run to the workflow, which follows it. Safe to call again after a restart.
 */
export async function advanceProposal(deps: ServiceDeps, proposalId: string): Promise<void> {
  const proposal = await deps.proposals.get(proposalId);
  if (!proposal) return;
  if (proposal.status === 'diagnosing') {
    await runDiagnostics(deps, proposal);
    const next = proposal.approvalsRequired === 0 ? 'approved' : 'pending_approval';
    const pendingSince = deps.clock.now().toISOString();
    const { changed } = await updateProposal(deps, proposalId, (p) => (p.status === 'diagnosing' ? { ...p, status: next, ...(next === 'pending_approval' ? { pendingSince } : {}) } : undefined), proposal);
    if (!changed) return;
    if (next === 'pending_approval') {
      await recordApprovalRequested(deps, proposal, 'proposal');
      // Waits for a click: nothing more to do here.
      return;
    }
  }
  // Approved by the write above, or as read (beginExecution reads it again before its own write).
  const status = proposal.status === 'diagnosing' ? 'approved' : proposal.status;
  if (status === 'approved' && (await beginExecution(deps, proposalId)).outcome === 'started') deps.workflow.executionStarted(proposalId);
  else if (status === 'running') deps.workflow.executionStarted(proposalId);
}
