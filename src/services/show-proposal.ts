import type { ServiceDeps } from './deps.js';
import { loadView } from './incident-view.js';
import { inThread } from './thread-mirror.js';
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
