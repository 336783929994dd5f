import { judge, parseExpectation } from '../core/runbooks/expectation.js';
import type { AuditEntry } from '../core/audit.js';
import type { Proposal } from '../core/proposal.js';
import type { ServiceDeps } from './deps.js';
import { escalate } from './escalate.js';

type Deps = Pick<ServiceDeps, 'proposals' | 'incidents' | 'audit' | 'pager' | 'metrics' | 'clock' | 'sleep' | 'prometheus' | 'log'>;

/** Both verdicts share one step key: an action gets exactly one, whoever checks and however often. */
const verdictKey = (p: Proposal) => `verified:${p.id}`;

/**
 * The runbook's `verify` after its action succeeded: the query is evaluated every `everyMs` until
 * the expectation holds (`action.verified`) or `withinMs` after the run ended has passed
 * (`action.not_verified`, which pages the on-call like a failure: the fix may not have worked).
 * It runs as background work of its own and never holds up anything else; time comes from the
 * injected clock and sleep, and the number of checks is bounded by within / every, so it ends
 * even on a clock that does not move.
 */
export async function verifyAction(deps: Deps, proposalId: string): Promise<void> {
  const p = await deps.proposals.get(proposalId);
  const verify = p?.plan.verify;
  if (!p || !verify || p.status !== 'succeeded') return;
  // One read of the trail: both verdicts carry the same step key.
  if ((await deps.audit.after(p.incidentId, 0)).some((r) => r.stepKey === verdictKey(p))) return;

  const base = {
    incidentId: p.incidentId,
    stepKey: verdictKey(p),
    trigger: 'verify',
    operator: 'automated',
    runbook: p.plan.runbookId,
    targetResource: p.plan.target,
    action: p.plan.action.document,
    ...(p.executionId ? { executionId: p.executionId } : {}),
  };
  const about = { proposalId: p.id, query: verify.query, expect: verify.expect, withinMs: verify.withinMs };
  const expectation = parseExpectation(verify.expect);
  if (verify.problem || !expectation) {
    await notVerified(deps, p, base, { ...about, checks: 0, reason: `the check could not be run: ${verify.problem ?? `bad expectation ${verify.expect}`}` });
    return;
  }
  if (!deps.prometheus) {
    // A deployment without Prometheus: said once at start-up and here; nobody is paged for it.
    await deps.audit.record({ ...base, kind: 'action.not_verified', outcome: 'SKIPPED', details: { ...about, checks: 0, reason: 'PROMETHEUS_URL is not set: the check was not run' } });
    return;
  }

  const deadline = Date.parse(p.finishedAt ?? deps.clock.now().toISOString()) + verify.withinMs;
  const maxChecks = Math.ceil(verify.withinMs / verify.everyMs) + 1;
  let last: { values?: (number | null)[]; reason: string } = { reason: 'not checked' };
  for (let checks = 1; checks <= maxChecks; checks++) {
    try {
      const series = await deps.prometheus.instant(verify.query);
      const verdict = judge(expectation, series.map((s) => s.points.at(-1)?.[1] ?? Number.NaN));
      if (verdict.holds) {
        await deps.audit.record({ ...base, kind: 'action.verified', outcome: 'SUCCESS', details: { ...about, checks, values: finite(verdict.values) } });
        return;
      }
      last = { values: finite(verdict.values), reason: verdict.reason };
    } catch (err) {
      last = { reason: (err as Error).message };
    }
    const left = deadline - deps.clock.now().getTime();
    if (left <= 0 || checks === maxChecks) {
      await notVerified(deps, p, base, { ...about, checks, ...last });
      return;
    }
    await deps.sleep(Math.min(verify.everyMs, left));
  }
}

/** Values as JSON and DynamoDB can hold them. */
function finite(values: readonly number[]): (number | null)[] {
  return values.slice(0, 20).map((v) => (Number.isFinite(v) ? v : null));
}

async function notVerified(deps: Deps, p: Proposal, base: Omit<AuditEntry, 'kind' | 'outcome' | 'details'>, details: { reason: string } & Record<string, unknown>): Promise<void> {
  const { created } = await deps.audit.append({ ...base, kind: 'action.not_verified', outcome: 'FAILURE', details });
  if (!created) return;
  deps.log.warn({ incidentId: p.incidentId, proposalId: p.id, reason: details.reason }, 'action not verified');
  const incident = await deps.incidents.get(p.incidentId);
  if (incident) await escalate(deps, incident, 'not_verified', { key: p.id, detail: `${p.plan.runbookId} on ${p.plan.target}: ${details.reason}` });
}
