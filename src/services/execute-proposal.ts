import { automationRequest, notEligible } from '../core/proposal.js';
import type { Proposal, ProposalStatus } from '../core/proposal.js';
import { AUTO_ENGINE } from '../core/policy/authority.js';
import type { ServiceDeps } from './deps.js';
import { checkKillSwitches, releaseCooldown, runGuardChain } from './guard-chain.js';
import type { GuardVerdict } from './guard-chain.js';
import { ensurePlanCurrent } from './plan-check.js';
import { isSuccessStatus, pollUntilTerminal } from './poll-execution.js';
import { updateProposal } from './update-proposal.js';
import { trackMitigation } from './mitigation.js';
import { AutomationFailure } from './ports.js';
import { escalate } from './escalate.js';
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
    const { proposal, changed } = await updateProposal(deps, proposalId, (cur) => (cur.status === 'approved' ? { ...cur, status: 'dry_run', request, finishedAt: now } : undefined), p);
    if (!changed || !proposal) return { outcome: 'not_ready', status: proposal?.status ?? 'withdrawn' };
    deps.metrics.action('dry_run', proposal.plan.runbookId);
    await deps.audit.record({ ...auditBase(proposal), kind: 'action.dry_run', stepKey: `dry-run:${proposal.id}`, outcome: 'SKIPPED', details: { request, note: verdict.reason } });
    return { outcome: 'dry_run' };
  }
  if (!verdict.allowed) {
    await recordRefusal(deps, p, verdict, 'approved');
    return { outcome: 'refused', guard: verdict.guard, reason: verdict.reason, ...(verdict.retryAfterMs !== undefined ? { retryAfterMs: verdict.retryAfterMs } : {}) };
  }
  const { changed } = await updateProposal(deps, proposalId, (cur) => (cur.status === 'approved' ? { ...cur, status: 'running', request, startedAt: now } : undefined), p);
  return changed ? { outcome: 'started' } : { outcome: 'not_ready', status: (await deps.proposals.get(proposalId))?.status ?? 'withdrawn' };
}

const FINISHED = {
  succeeded: { kind: 'action.succeeded', outcome: 'SUCCESS', metric: 'success' },
  failed: { kind: 'action.failed', outcome: 'FAILURE', metric: 'failure' },
  skipped: { kind: 'action.skipped', outcome: 'SKIPPED', metric: 'skipped' },
} as const;

async function finish(deps: ServiceDeps, p: Proposal, status: keyof typeof FINISHED, fields: Partial<Proposal>): Promise<void> {
  const { proposal, changed } = await updateProposal(deps, p.id, (cur) =>
    cur.status === 'running' ? { ...cur, ...fields, status, finishedAt: deps.clock.now().toISOString() } : undefined,
  );
  if (!changed || !proposal) return;
  const how = FINISHED[status];
  deps.metrics.action(how.metric, proposal.plan.runbookId);
  // Not eligible: nothing changed, so the runbook may run again on that target at once.
  if (status === 'skipped') await releaseCooldown(deps, proposal);
  await deps.audit.record({
    ...auditBase(proposal),
    kind: how.kind,
    stepKey: `finished:${proposal.id}`,
    outcome: how.outcome,
    executionId: proposal.executionId,
    details: { executionStatus: proposal.executionStatus, error: proposal.lastError, ...(status === 'skipped' ? { reason: proposal.reason } : {}) },
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
    // A start sent before (a crash, or no answer) may have made an execution: SSM is asked first,
    // and that one is followed rather than another started or a failure declared.
    if (running.startSentAt && !deps.dryRun) {
      const found = await findStarted(deps, running, request.ClientToken);
      if (found === 'unknown') return;
      executionId = found;
    }
  }
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
    if (!running.startSentAt && !deps.dryRun) await updateProposal(deps, proposalId, (p) => (p.status === 'running' && !p.startSentAt ? { ...p, startSentAt: deps.clock.now().toISOString() } : undefined));
    try {
      executionId = await deps.executor.start(request, { beforeAttempt });
    } catch (err) {
      if (refusal) {
        await recordRefusal(deps, running, refusal, 'running');
        return;
      }
      if (!(err instanceof AutomationFailure && err.transient)) {
        // SSM refused the start itself (validation, permissions): nothing was started.
        await finish(deps, running, 'failed', { lastError: (err as Error).message });
        return;
      }
      // No answer that says what happened: the execution may exist. Ask before calling it failed.
      const found = await findStarted(deps, running, request.ClientToken, (err as Error).message);
      if (found === 'unknown') return;
      if (!found) {
        await finish(deps, running, 'failed', { lastError: `${(err as Error).message}; SSM has no execution for it, so nothing ran` });
        return;
      }
      executionId = found;
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
  const skipped = ok ? notEligible(execution.outputs) : undefined;
  if (skipped) fields.reason = `not eligible: ${skipped.reason}`;
  await finish(deps, running, skipped ? 'skipped' : ok ? 'succeeded' : 'failed', fields);
}

/**
 * The execution SSM holds for this ClientToken, undefined when it holds none (the start never
 * happened), or 'unknown' when SSM could not say: then the loss is recorded and the proposal stays
 * running, never "failed" (which would offer a rollback alongside a live action); the in-flight job
 * asks again within minutes.
 */
async function findStarted(deps: ServiceDeps, p: Proposal, clientToken: string, startError?: string): Promise<string | undefined | 'unknown'> {
  try {
    return await deps.executor.find(clientToken);
  } catch (err) {
    const reason = `${startError ? `the start got no answer (${startError}), and ` : 'a start was sent before and '}SSM could not say whether it made an execution (${(err as Error).message})`;
    await trackingLost(deps, p, undefined, reason);
    return 'unknown';
  }
}

/**
 * Polling gave up (AWS errors, a store write, the timeout) while the execution may still be
 * running: the proposal stays `running`, never "failed" (which would offer a rollback alongside a
 * live action). The loss is audited and shown; the in-flight job resumes polling.
 */
async function trackingLost(deps: ServiceDeps, p: Proposal, executionId: string | undefined, reason: string): Promise<void> {
  await updateProposal(deps, p.id, (cur) => (cur.status === 'running' ? { ...cur, lastError: reason } : undefined)).catch(() => undefined);
  await deps.audit.record({
    ...auditBase(p),
    kind: 'action.tracking_lost',
    stepKey: `tracking-lost:${p.id}:${occurrenceKey(deps)}`,
    outcome: 'FAILURE',
    ...(executionId ? { executionId } : {}),
    details: { reason, note: executionId ? 'the execution may still be running; polling resumes within minutes' : 'the action may have started; SSM is asked again within minutes, and nothing is started twice (the ClientToken)' },
  });
  // Lost once is a blip; lost again and again, people must look (the action may be running unseen).
  const lost = (await deps.audit.query({ incident: p.incidentId, kind: 'action.tracking_lost', n: 100 })).filter((r) => r.stepKey.startsWith(`tracking-lost:${p.id}:`));
  const incident = lost.length >= TRACKING_LOST_BEFORE_PAGING ? await deps.incidents.get(p.incidentId) : undefined;
  if (incident) await escalate(deps, incident, 'tracking_lost', { key: p.id, detail: `${p.plan.runbookId} on ${p.plan.target}: ${reason}` });
}

/** How many times in a row SSM may leave a run's state unknown before the on-call is paged. */
const TRACKING_LOST_BEFORE_PAGING = 3;
