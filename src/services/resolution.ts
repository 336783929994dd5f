import type { Incident } from '../core/incident.js';
import { summarizeIncident } from '../core/incident-summary.js';
import type { ServiceDeps } from './deps.js';
import { updateProposal } from './update-proposal.js';

/** Ends a proposal that can no longer run (its incident resolved first). */
export async function withdrawProposal(deps: Pick<ServiceDeps, 'proposals' | 'audit' | 'clock'>, proposalId: string, reason: string): Promise<void> {
  // 'approved' too: approved is the moment before a run is claimed, and the claim (approved →
  // running) is conditional on the proposal's version, so a withdrawal written first stops it.
  const { proposal, changed } = await updateProposal(deps, proposalId, (p) =>
    p.status === 'pending_approval' || p.status === 'diagnosing' || p.status === 'approved' ? { ...p, status: 'withdrawn', reason } : undefined,
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
}

/** Withdraws the proposals of a resolved incident that have not started to run. */
export async function withdrawWaitingProposals(deps: Pick<ServiceDeps, 'proposals' | 'audit' | 'clock'>, incident: Incident): Promise<void> {
  for (const p of await deps.proposals.listByIncident(incident.id)) {
    if (p.status === 'pending_approval' || p.status === 'diagnosing' || p.status === 'approved') await withdrawProposal(deps, p.id, 'the incident resolved before it ran');
  }
}

/**
 * A resolved incident: proposals still waiting are withdrawn, then the summary goes in the thread
 * (timeline, time to acknowledge and to remediate, what ran, who approved, outcome) as one audited
 * step (PagerDuty follows from the trail if the incident paged). Idempotent: each step is keyed by the incident's round.
 */
export async function completeResolution(deps: ServiceDeps, incident: Incident): Promise<void> {
  await withdrawWaitingProposals(deps, incident);
  const proposals = await deps.proposals.listByIncident(incident.id);
  const resolvedRecord = (await deps.audit.append({
    incidentId: incident.id,
    kind: 'incident.resolved',
    stepKey: `resolved:${incident.round}`,
    trigger: incident.source,
    outcome: 'SUCCESS',
    operator: 'automated',
    details: { resolvedAt: incident.resolvedAt, reason: 'all alerts resolved' },
  })).record;
  const resolvedBy = typeof resolvedRecord.details?.resolvedBy === 'string' ? resolvedRecord.details.resolvedBy : undefined;
  const summary = summarizeIncident(incident, proposals, resolvedBy);
  await deps.audit.append({
    incidentId: incident.id,
    kind: 'incident.summary',
    stepKey: `summary:${incident.round}`,
    trigger: 'resolution',
    outcome: 'SUCCESS',
    operator: 'automated',
    details: { ...summary },
  });
}
