import { automationRequest } from '../core/proposal.js';
import type { Proposal, ProposalStatus } from '../core/proposal.js';
import { AUTO_ENGINE } from '../core/policy/authority.js';
import type { ServiceDeps } from './deps.js';
import { checkKillSwitches, runGuardChain } from './guard-chain.js';
import type { GuardVerdict } from './guard-chain.js';
import { ensurePlanCurrent } from './plan-check.js';
import { isSuccessStatus, pollUntilTerminal } from './poll-execution.js';
import { updateProposal } from './update-proposal.js';
import { trackMitigation } from './mitigation.js';
import { occurrenceKey } from './occurrence-key.js';

export type BeginResult =
  | { outcome: 'started' }
  | { outcome: 'dry_run' }
  | { outcome: 'refused'; guard: string; reason: string; retryAfterMs?: number }
  | { outcome: 'not_ready'; status: ProposalStatus };

/** Who is acting: the last approver, or the engine for runs nobody had to approve. */
function actingAuthority(p: Proposal): { operator: string; authority: string } {
  const last = p.approvals.filter((a) => a.planDigest === p.plan.digest).at(-1);
  if (last) return { operator: last.userId, authority: last.authority };
  return { operator: p.requestedBy, authority: p.requesterAuthority ?? AUTO_ENGINE };
}

function auditBase(p: Proposal) {
  return {
    incidentId: p.incidentId,
    trigger: p.rollbackOf ? 'rollback' : p.requestedBy === 'automated' ? 'automatic' : 'manual',
    ...actingAuthority(p),
    runbook: p.plan.runbookId,
    targetResource: p.plan.target,
    action: p.plan.action.document,
    rollbackPlan: p.plan.rollback?.description,
  };
}

async function recordRefusal(deps: ServiceDeps, p: Proposal, verdict: Extract<GuardVerdict, { allowed: false }>, from: ProposalStatus): Promise<void> {
  deps.metrics.guardRefused(verdict.guard);
  const { proposal, changed } = await updateProposal(deps, p.id, (cur) =>
    cur.status === from ? { ...cur, status: 'blocked', blockedBy: verdict.guard, reason: verdict.reason, finishedAt: deps.clock.now().toISOString() } : undefined,
  );
  if (!changed || !proposal) return;
  await deps.audit.record({
    ...auditBase(proposal),
    kind: 'action.refused',
    stepKey: `refused:${proposal.id}`,
    outcome: 'SKIPPED',
    details: { guard: verdict.guard, reason: verdict.reason, retryAfterMs: verdict.retryAfterMs },
  });
  deps.workflow.executionFinished(proposal);
}

/**
 * The one way from `approved` to `running`. Re-renders the plan (approvals bind to its digest),
 * runs the guard chain, then makes the conditional approved → running write: of two clicks, two
 * retries or two replicas only one wins. Returns quickly; the run itself is `runExecution`.
 */
export async function beginExecution(deps: ServiceDeps, proposalId: string): Promise<BeginResult> {
  const initial = await deps.proposals.get(proposalId);
  if (!initial) return { outcome: 'not_ready', status: 'withdrawn' };
  if (initial.status !== 'approved') return { outcome: 'not_ready', status: initial.status };
  const current = await ensurePlanCurrent(deps, initial);
  if (!current.allowed) {
    if (current.guard === 'approval' && (await deps.proposals.get(proposalId))?.status === 'pending_approval') return { outcome: 'refused', guard: current.guard, reason: current.reason };
    await recordRefusal(deps, initial, current, 'approved');
    return { outcome: 'refused', guard: current.guard, reason: current.reason };
  }
  const p = current.proposal ?? initial;
  const verdict = await runGuardChain(deps, p, actingAuthority(p).authority);
  const request = automationRequest(p);
  const now = deps.clock.now().toISOString();
  if (!verdict.allowed && verdict.guard === 'dry_run') {
    const { proposal, changed } = await updateProposal(deps, proposalId, (cur) => (cur.status === 'approved' ? { ...cur, status: 'dry_run', request, finishedAt: now } : undefined));
    if (!changed || !proposal) return { outcome: 'not_ready', status: proposal?.status ?? 'withdrawn' };
    deps.metrics.action('dry_run', proposal.plan.runbookId);
    await deps.audit.record({ ...auditBase(proposal), kind: 'action.dry_run', stepKey: `dry-run:${proposal.id}`, outcome: 'SKIPPED', details: { request, note: verdict.reason } });
    return { outcome: 'dry_run' };
  }
  if (!verdict.allowed) {
    await recordRefusal(deps, p, verdict, 'approved');
    return { outcome: 'refused', guard: verdict.guard, reason: verdict.reason, ...(verdict.retryAfterMs !== undefined ? { retryAfterMs: verdict.retryAfterMs } : {}) };
  }
  const { changed } = await updateProposal(deps, proposalId, (cur) => (cur.status === 'approved' ? { ...cur, status: 'running', request, startedAt: now } : undefined));
  return changed ? { outcome: 'started' } : { outcome: 'not_ready', status: (await deps.proposals.get(proposalId))?.status ?? 'withdrawn' };
}

async function finish(deps: ServiceDeps, p: Proposal, status: 'succeeded' | 'failed', fields: Partial<Proposal>): Promise<void> {
  const { proposal, changed } = await updateProposal(deps, p.id, (cur) =>
    cur.status === 'running' ? { ...cur, ...fields, status, finishedAt: deps.clock.now().toISOString() } : undefined,
  );
  if (!changed || !proposal) return;
  deps.metrics.action(status === 'succeeded' ? 'success' : 'failure', proposal.plan.runbookId);
  await deps.audit.record({
    ...auditBase(proposal),
    kind: status === 'succeeded' ? 'action.succeeded' : 'action.failed',
    stepKey: `finished:${proposal.id}`,
    outcome: status === 'succeeded' ? 'SUCCESS' : 'FAILURE',
    executionId: proposal.executionId,
    details: { executionStatus: proposal.executionStatus, error: proposal.lastError },
  });
  deps.workflow.executionFinished(proposal);
}

/**
 * Starts (or, after a restart, finds again) the SSM execution of a running proposal and follows it
 * to the end. The kill switches are read once more immediately before StartAutomationExecution, so
 * nothing approved minutes ago runs through a switch engaged a second ago. The ClientToken is the
 * proposal id: a start repeated after a crash maps to the same execution.
 */
export async function runExecution(deps: ServiceDeps, proposalId: string): Promise<void> {
  const running = await deps.proposals.get(proposalId);
  if (!running || running.status !== 'running') return;
  let executionId = running.executionId;
  if (!executionId) {
    const request = running.request ?? automationRequest(running);
    let refusal: Extract<GuardVerdict, { allowed: false }> | undefined;
    const beforeAttempt = async () => {
      // DRY_RUN is checked here too: a proposal left running by a crash must not start for real
      // after an operator restarted the bot in dry-run to make it safe.
      const verdict: GuardVerdict = deps.dryRun ? { allowed: false, guard: 'dry_run', reason: 'DRY_RUN=true: nothing is started' } : await checkKillSwitches(deps, running.plan);
      if (!verdict.allowed) {
        refusal = verdict;
        throw new Error(verdict.reason);
      }
    };
    try {
      executionId = await deps.executor.start(request, { beforeAttempt });
    } catch (err) {
      if (refusal) await recordRefusal(deps, running, refusal, 'running');
      else await finish(deps, running, 'failed', { lastError: (err as Error).message });
      return;
    }
    const started = executionId;
    await updateProposal(deps, proposalId, (p) => (p.executionId ? undefined : { ...p, executionId: started, executionStatus: 'Pending' }));
    await deps.audit.record({ ...auditBase(running), kind: 'action.started', stepKey: `started:${proposalId}`, outcome: 'SUCCESS', executionId, details: { request } });
    await trackMitigation(deps, running.incidentId);
  }
  const id = executionId;
  let execution: Awaited<ReturnType<typeof pollUntilTerminal>>;
  try {
    execution = await pollUntilTerminal(deps.executor, id, {
      sleep: deps.sleep,
      initialMs: deps.pollIntervalMs?.initial ?? 1000,
      maxMs: deps.pollIntervalMs?.max ?? 15_000,
      onProgress: async (e) => {
        await updateProposal(deps, proposalId, (p) => (p.status === 'running' && p.executionStatus !== e.status ? { ...p, executionStatus: e.status } : undefined));
        await deps.audit.record({ ...auditBase(running), kind: 'action.progress', stepKey: `progress:${proposalId}:${e.status}`, outcome: 'SUCCESS', executionId: id, details: { status: e.status } });
      },
    });
  } catch (err) {
    await trackingLost(deps, running, id, (err as Error).message);
    return;
  }
  if (execution.timedOut) {
    await trackingLost(deps, running, id, `no terminal status after polling (last: ${execution.status})`);
    return;
  }
  const ok = isSuccessStatus(execution.status);
  const fields: Partial<Proposal> = { executionStatus: execution.status };
  if (!ok) fields.lastError = execution.failureMessage ?? `execution ended ${execution.status}`;
  await finish(deps, running, ok ? 'succeeded' : 'failed', fields);
}

/**
 * Polling gave up (AWS errors, a store write, the timeout) while the execution may still be
 * running: the proposal stays `running`, never "failed" (which would offer a rollback alongside a
 * live action). The loss is audited and shown; the in-flight job resumes polling.
 */
async function trackingLost(deps: ServiceDeps, p: Proposal, executionId: string, reason: string): Promise<void> {
  await updateProposal(deps, p.id, (cur) => (cur.status === 'running' ? { ...cur, lastError: reason } : undefined)).catch(() => undefined);
  await deps.audit.record({
    ...auditBase(p),
    kind: 'action.tracking_lost',
    stepKey: `tracking-lost:${p.id}:${occurrenceKey(deps)}`,
    outcome: 'FAILURE',
    executionId,
    details: { reason, note: 'the execution may still be running; polling resumes within minutes' },
  });
}
