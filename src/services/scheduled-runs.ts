import { SCHEDULE_PREFIX } from '../core/alert.js';
import type { Alert } from '../core/alert.js';
import { approvalsRequired } from '../core/policy/approval.js';
import { deterministicUuid, proposalId, TERMINAL_PROPOSAL_STATUSES } from '../core/proposal.js';
import type { Proposal } from '../core/proposal.js';
import { cronMatches, parseCron } from '../core/runbooks/cron.js';
import { renderPlan } from '../core/runbooks/plan.js';
import type { Runbook } from '../core/runbooks/schema.js';
import type { ServiceDeps } from './deps.js';
import { recordAlert } from './ingest-alerts.js';
import { CONTROLS_AUDIT } from './kill-switch.js';
import { isSuccessStatus, pollUntilTerminal } from './poll-execution.js';
import { recordProposalCreated } from './proposal-records.js';
import { startOrFind } from './run-diagnostics.js';

/** At most this many targets get a proposal in one run; the discovery documents list the oldest first. */
export const MAX_TARGETS = 50;

type Targets = { ok: true; targets: Record<string, string>[]; note?: string } | { ok: false };

/**
 * One minute of the schedule: every scheduled runbook whose cron (UTC) names `tick` runs, then
 * finished runs are closed. Called by the scheduled-runbooks job, whose lease makes one replica
 * run each tick; the incident of a run is keyed by runbook and tick, so a repeat joins it.
 */
export async function runScheduledRunbooks(deps: ServiceDeps, tick: Date): Promise<{ started: string[]; closed: number }> {
  const started: string[] = [];
  for (const runbook of deps.catalogue.runbooks) {
    if (!runbook.schedule) continue;
    const cron = parseCron(runbook.schedule);
    if (!cron.ok || !cronMatches(cron.schedule, tick)) continue;
    try {
      if (await startScheduledRun(deps, runbook, tick)) started.push(runbook.id);
    } catch (err) {
      deps.log.error({ err, runbook: runbook.id }, 'scheduled run failed to start');
    }
  }
  return { started, closed: await closeFinishedRuns(deps) };
}

/**
 * A scheduled run: its targets (the fixed list, or what the read-only discovery document lists),
 * then an incident of its own (source `schedule`) with one proposal per target, which go through
 * diagnostics, approvals and the guard chain like any other. True when an incident was opened.
 */
export async function startScheduledRun(deps: ServiceDeps, runbook: Runbook, tick: Date): Promise<boolean> {
  const at = tick.toISOString();
  const found = await targetsOf(deps, runbook, at);
  if (!found.ok) return false;
  const base = { incidentId: CONTROLS_AUDIT, trigger: 'schedule', operator: 'automated', runbook: runbook.id };
  if (found.targets.length === 0) {
    await deps.audit.record({ ...base, kind: 'schedule.no_targets', stepKey: `schedule:${runbook.id}:${at}`, outcome: 'SKIPPED', details: { schedule: runbook.schedule, tick: at, note: found.note ?? 'no target is due' } });
    return false;
  }
  const targets = found.targets.slice(0, MAX_TARGETS);
  const key = `${SCHEDULE_PREFIX}${runbook.id}:${at}`;
  const alert: Alert = {
    source: 'schedule',
    groupKey: key,
    fingerprint: key,
    name: `Scheduled ${runbook.id}`,
    status: 'firing',
    severity: 'info',
    service: runbook.service.includes('{{') ? runbook.id : runbook.service,
    summary: `Scheduled run of ${runbook.title} (${runbook.schedule} UTC): ${targets.length} target(s)${found.targets.length > targets.length ? ` of ${found.targets.length}; the rest wait for the next run` : ''}`,
    labels: { runbook: runbook.id, schedule: runbook.schedule ?? '', tick: at, targets: String(targets.length) },
    annotations: {},
    startsAt: at,
  };
  const { incidentId } = await recordAlert(deps, alert);
  const incident = await deps.incidents.get(incidentId);
  if (!incident) return false;
  for (const labels of targets) {
    const rendered = renderPlan(runbook, { labels, annotations: {} });
    if (!rendered.ok) {
      await deps.audit.record({ incidentId, kind: 'proposal.invalid', stepKey: `invalid:${incident.round}:${runbook.id}:${JSON.stringify(labels)}`, trigger: 'schedule', outcome: 'FAILURE', operator: 'automated', runbook: runbook.id, details: { parameter: rendered.parameter, reason: rendered.reason, labels } });
      continue;
    }
    const { plan } = rendered;
    const now = deps.clock.now().toISOString();
    const proposal: Proposal = {
      id: proposalId(incidentId, incident.round, plan.runbookId, plan.target),
      incidentId,
      round: incident.round,
      plan,
      status: 'diagnosing',
      requestedBy: 'automated',
      context: { labels, annotations: {} },
      approvalsRequired: approvalsRequired(deps.catalogue.policy, plan),
      approvals: [],
      createdAt: now,
      updatedAt: now,
      version: 0,
    };
    const { created } = await deps.proposals.createIfAbsent(proposal);
    if (!created) continue;
    await recordProposalCreated(deps, proposal, { trigger: 'schedule', alertname: alert.name, details: { schedule: runbook.schedule, tick: at } });
    deps.workflow.proposalReady(proposal.id);
  }
  deps.workflow.incidentChanged(incidentId);
  return true;
}

/**
 * The fixed list, or the discovery document's output: a read-only automation started with a
 * ClientToken derived from the runbook and tick (a repeat finds the same execution). Under DRY_RUN
 * it is not started (like diagnostics documents): the request is recorded and nothing is proposed.
 */
async function targetsOf(deps: ServiceDeps, runbook: Runbook, at: string): Promise<Targets> {
  if (!runbook.targets) return { ok: true, targets: [] };
  if (Array.isArray(runbook.targets)) return { ok: true, targets: runbook.targets };
  const { document, parameters, output } = runbook.targets.ssm;
  const request = { DocumentName: document, Parameters: Object.fromEntries(Object.entries(parameters).map(([k, v]) => [k, [v]])), ClientToken: deterministicUuid('schedule', runbook.id, at) };
  const base = { incidentId: CONTROLS_AUDIT, stepKey: `schedule:${runbook.id}:${at}`, trigger: 'schedule', operator: 'automated', runbook: runbook.id, action: document };
  if (deps.dryRun) {
    await deps.audit.record({ ...base, kind: 'schedule.dry_run', outcome: 'SKIPPED', details: { schedule: runbook.schedule, tick: at, request, note: 'DRY_RUN: the discovery document was not started, so nothing is proposed' } });
    return { ok: false };
  }
  try {
    const executionId = await startOrFind(deps, request);
    const execution = await pollUntilTerminal(deps.executor, executionId, { sleep: deps.sleep, initialMs: deps.pollIntervalMs?.initial ?? 1000, maxMs: deps.pollIntervalMs?.max ?? 15_000, timeoutMs: 10 * 60_000 });
    if (!isSuccessStatus(execution.status)) throw new Error(`discovery ${executionId} ended ${execution.status}${execution.failureMessage ? `: ${execution.failureMessage}` : ''}`);
    const listed = execution.outputs[output] ?? [];
    const targets: Record<string, string>[] = [];
    const refused: string[] = [];
    for (const item of listed) {
      const labels = parseTarget(item);
      if (labels) targets.push(labels);
      else refused.push(item.slice(0, 200));
    }
    if (refused.length > 0) deps.log.warn({ runbook: runbook.id, refused }, 'discovery listed targets that are not JSON objects of strings; they are skipped');
    return { ok: true, targets, ...(refused.length > 0 ? { note: `${refused.length} listed target(s) were not JSON objects of strings` } : {}) };
  } catch (err) {
    await deps.audit.record({ ...base, kind: 'schedule.failed', outcome: 'FAILURE', details: { schedule: runbook.schedule, tick: at, request, error: (err as Error).message } });
    return { ok: false };
  }
}

/** A listed target: a JSON object whose values are strings (they stand in for alert labels). */
function parseTarget(item: string): Record<string, string> | undefined {
  try {
    const value: unknown = JSON.parse(item);
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
    const entries = Object.entries(value as Record<string, unknown>);
    return entries.every(([, v]) => typeof v === 'string') && entries.length > 0 ? (Object.fromEntries(entries) as Record<string, string>) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A scheduled run's incident resolves once every proposal of it has finished (run, refused,
 * rejected, expired, dry run): its summary then follows in the thread. A rollback offered after a
 * failure is a proposal too, so a failed run stays open until people have dealt with it.
 */
export async function closeFinishedRuns(deps: ServiceDeps): Promise<number> {
  let closed = 0;
  const open = await deps.incidents.list({ status: ['open', 'acknowledged', 'mitigating'], limit: 100_000 });
  for (const incident of open.filter((i) => i.source === 'schedule')) {
    const proposals = await deps.proposals.listByIncident(incident.id);
    if (!proposals.every((p) => TERMINAL_PROPOSAL_STATUSES.includes(p.status))) continue;
    const alert = Object.values(incident.alerts).find((a) => a.status === 'firing');
    if (!alert) continue;
    const at = deps.clock.now().toISOString();
    await recordAlert(deps, {
      source: 'schedule',
      groupKey: incident.groupKey,
      fingerprint: alert.fingerprint,
      name: alert.name,
      status: 'resolved',
      severity: alert.severity,
      summary: alert.summary,
      labels: alert.labels,
      annotations: alert.annotations,
      startsAt: alert.startsAt,
      endsAt: at,
    });
    deps.workflow.incidentChanged(incident.id);
    closed++;
  }
  return closed;
}
