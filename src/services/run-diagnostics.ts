import { deterministicUuid } from '../core/proposal.js';
import type { Proposal } from '../core/proposal.js';
import type { ServiceDeps } from './deps.js';
import { AutomationFailure } from './ports.js';
import { isSuccessStatus, pollUntilTerminal } from './poll-execution.js';
import { runQueries } from './run-queries.js';

/** Output values longer than this are cut in the audit record and the thread. */
const MAX_OUTPUT_CHARS = 1500;

function trimOutputs(outputs: Record<string, string[]>): Record<string, string[]> {
  return Object.fromEntries(Object.entries(outputs).map(([k, v]) => [k, v.map((s) => (s.length > MAX_OUTPUT_CHARS ? `${s.slice(0, MAX_OUTPUT_CHARS)}…` : s))]));
}

/**
 * Starts a read-only document (diagnostics, a scheduled runbook's target discovery); when the start
 * got no answer that says what happened, SSM is asked for the execution its ClientToken made,
 * which is then followed (none: the start failed).
 */
export async function startOrFind(deps: Pick<ServiceDeps, 'executor'>, request: Parameters<ServiceDeps['executor']['start']>[0]): Promise<string> {
  try {
    return await deps.executor.start(request);
  } catch (err) {
    if (!(err instanceof AutomationFailure && err.transient)) throw err;
    const found = await deps.executor.find(request.ClientToken);
    if (!found) throw err;
    return found;
  }
}

/**
 * Runs the plan's read-only diagnostics documents before anything is proposed, then its PromQL
 * queries, and audits each result (the audit mirror posts it to the thread). A diagnostics failure
 * is reported, not fatal: people still decide on the proposal. Under DRY_RUN no document is
 * started (the request is recorded); the PromQL queries still run, since they only read Prometheus.
 */
export async function runDiagnostics(deps: ServiceDeps, proposal: Proposal): Promise<void> {
  for (const [index, step] of proposal.plan.diagnostics.entries()) {
    const base = {
      incidentId: proposal.incidentId,
      stepKey: `diagnostics:${proposal.id}:${index}`,
      trigger: 'proposal',
      operator: 'automated',
      runbook: proposal.plan.runbookId,
      targetResource: proposal.plan.target,
      action: step.document,
    };
    const request = {
      DocumentName: step.document,
      Parameters: Object.fromEntries(Object.entries(step.parameters).map(([k, v]) => [k, [v]])),
      // Derived from the proposal, so a restart polls the same execution instead of starting another.
      ClientToken: deterministicUuid('diagnostics', proposal.id, String(index)),
    };
    if (deps.dryRun) {
      await deps.audit.record({ ...base, kind: 'diagnostics.dry_run', outcome: 'SKIPPED', details: { request, note: 'DRY_RUN: diagnostics not started' } });
      continue;
    }
    try {
      const executionId = await startOrFind(deps, request);
      const execution = await pollUntilTerminal(deps.executor, executionId, {
        sleep: deps.sleep,
        initialMs: deps.pollIntervalMs?.initial ?? 1000,
        maxMs: deps.pollIntervalMs?.max ?? 15_000,
        timeoutMs: 10 * 60_000,
      });
      const ok = isSuccessStatus(execution.status);
      await deps.audit.record({
        ...base,
        kind: 'diagnostics.completed',
        outcome: ok ? 'SUCCESS' : 'FAILURE',
        executionId,
        details: { document: step.document, status: execution.status, outputs: trimOutputs(execution.outputs), failureMessage: execution.failureMessage },
      });
    } catch (err) {
      await deps.audit.record({ ...base, kind: 'diagnostics.completed', outcome: 'FAILURE', details: { document: step.document, status: 'Error', error: (err as Error).message } });
    }
  }
  await runQueries(deps, proposal);
}
