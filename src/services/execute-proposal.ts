import { automationRequest } from '../core/proposal.js';
import type { Proposal, ProposalStatus } from '../core/proposal.js';
import type { ServiceDeps } from './deps.js';
import { refreshRoot } from './incident-view.js';
import { isSuccessStatus, pollUntilTerminal } from './poll-execution.js';
import { showProposal } from './advance-proposal.js';
import { updateProposal } from './update-proposal.js';

function auditBase(p: Proposal) {
  return {
    incidentId: p.incidentId,
    trigger: p.requestedBy === 'automated' ? 'automatic' : 'manual',
    operator: p.approvals.at(-1)?.userId ?? 'automated',
    authority: p.approvals.at(-1)?.authority ?? 'AUTO_ENGINE',
    runbook: p.plan.runbookId,
    targetResource: p.plan.target,
    action: p.plan.action.document,
    rollbackPlan: p.plan.rollback?.description,
  };
}

async function finish(deps: ServiceDeps, p: Proposal, status: Extract<ProposalStatus, 'succeeded' | 'failed'>, fields: Partial<Proposal>): Promise<void> {
  const { proposal, changed } = await updateProposal(deps, p.id, (cur) =>
    cur.status === 'running' ? { ...cur, ...fields, status, finishedAt: deps.clock.now().toISOString() } : undefined,
  );
  if (!changed || !proposal) return;
  deps.metrics.action(status === 'succeeded' ? 'success' : 'failure');
  await deps.audit.record({
    ...auditBase(proposal),
    kind: status === 'succeeded' ? 'action.succeeded' : 'action.failed',
    stepKey: `finished:${proposal.id}`,
    outcome: status === 'succeeded' ? 'SUCCESS' : 'FAILURE',
    executionId: proposal.executionId,
    details: { executionStatus: proposal.executionStatus, error: proposal.lastError },
  });
  await showProposal(deps, p.id);
  await refreshRoot(deps, p.incidentId);
}

/**
 * Runs an approved proposal exactly once. The approved → running transition is a conditional
 * write: of two clicks, two retries or two replicas only one wins it. The SSM ClientToken is the
 * proposal id, so even a start repeated after a crash maps to the same execution.
 */
export async function executeProposal(deps: ServiceDeps, proposalId: string): Promise<void> {
  const initial = await deps.proposals.get(proposalId);
  if (!initial) return;
  const request = automationRequest(initial);
  const now = deps.clock.now().toISOString();

  if (initial.status === 'approved') {
    if (deps.dryRun) {
      const { proposal, changed } = await updateProposal(deps, proposalId, (p) => (p.status === 'approved' ? { ...p, status: 'dry_run', request, finishedAt: now } : undefined));
      if (!changed || !proposal) return;
      deps.metrics.action('dry_run');
      await deps.audit.record({
        ...auditBase(proposal),
        kind: 'action.dry_run',
        stepKey: `dry-run:${proposal.id}`,
        outcome: 'SKIPPED',
        details: { request, note: 'DRY_RUN=true: StartAutomationExecution was not called' },
      });
      await showProposal(deps, proposalId);
      await refreshRoot(deps, proposal.incidentId);
      return;
    }
    const { changed } = await updateProposal(deps, proposalId, (p) => (p.status === 'approved' ? { ...p, status: 'running', request, startedAt: now } : undefined));
    if (!changed) return;
  }

  const running = await deps.proposals.get(proposalId);
  if (!running || running.status !== 'running') return;
  let executionId = running.executionId;
  if (!executionId) {
    try {
      executionId = await deps.executor.start(running.request ?? request);
    } catch (err) {
      await finish(deps, running, 'failed', { lastError: (err as Error).message });
      return;
    }
    const started = executionId;
    await updateProposal(deps, proposalId, (p) => (p.executionId ? undefined : { ...p, executionId: started, executionStatus: 'Pending' }));
    await deps.audit.record({ ...auditBase(running), kind: 'action.started', stepKey: `started:${proposalId}`, outcome: 'SUCCESS', executionId, details: { request: running.request ?? request } });
    await showProposal(deps, proposalId);
    await refreshRoot(deps, running.incidentId);
  }

  const execution = await pollUntilTerminal(deps.executor, executionId, {
    sleep: deps.sleep,
    initialMs: deps.pollIntervalMs?.initial ?? 1000,
    maxMs: deps.pollIntervalMs?.max ?? 15_000,
    onProgress: async (e) => {
      await updateProposal(deps, proposalId, (p) => (p.status === 'running' && p.executionStatus !== e.status ? { ...p, executionStatus: e.status } : undefined));
      await deps.audit.record({ ...auditBase(running), kind: 'action.progress', stepKey: `progress:${proposalId}:${e.status}`, outcome: 'SUCCESS', executionId, details: { status: e.status } });
    },
  }).catch((err: Error) => ({ executionId: executionId as string, status: 'Unknown', outputs: {}, failureMessage: err.message, timedOut: false }));

  const ok = isSuccessStatus(execution.status);
  const fields: Partial<Proposal> = { executionStatus: execution.status };
  if (!ok) fields.lastError = execution.failureMessage ?? ('timedOut' in execution && execution.timedOut ? 'polling timed out' : `execution ended ${execution.status}`);
  await finish(deps, running, ok ? 'succeeded' : 'failed', fields);
}
