import { keepResult } from '../core/promql-result.js';
import type { Proposal } from '../core/proposal.js';
import type { ServiceDeps } from './deps.js';

/**
 * The plan's PromQL diagnostics: each query runs once against PROMETHEUS_URL (a range query over the
 * last `range`, else an instant one) and its result, bounded, is one `diagnostics.promql` record,
 * from which Slack shows a sparkline and a chart. They run under DRY_RUN too: reading Prometheus
 * changes nothing. Without PROMETHEUS_URL, or with a query that could not be rendered, the record
 * says why it did not run. A failed query is recorded, never fatal.
 */
export async function runQueries(deps: Pick<ServiceDeps, 'audit' | 'clock' | 'prometheus'>, proposal: Proposal): Promise<void> {
  for (const [index, q] of (proposal.plan.queries ?? []).entries()) {
    const now = deps.clock.now();
    const range = q.rangeMs !== undefined ? { start: new Date(now.getTime() - q.rangeMs), end: now, stepSeconds: Math.max(1, Math.round((q.stepMs ?? 60_000) / 1000)) } : undefined;
    const base = {
      incidentId: proposal.incidentId,
      kind: 'diagnostics.promql',
      stepKey: `diagnostics:${proposal.id}:promql:${index}`,
      trigger: 'proposal',
      operator: 'automated',
      runbook: proposal.plan.runbookId,
      targetResource: proposal.plan.target,
      action: q.title,
    };
    const about = { title: q.title, query: q.query, ...(range ? { range: { start: range.start.toISOString(), end: range.end.toISOString(), stepSeconds: range.stepSeconds } } : {}) };
    if (q.problem) {
      await deps.audit.record({ ...base, outcome: 'FAILURE', details: { ...about, error: `not sent: ${q.problem}` } });
      continue;
    }
    if (!deps.prometheus) {
      await deps.audit.record({ ...base, outcome: 'SKIPPED', details: { ...about, note: 'PROMETHEUS_URL is not set: the query was not run' } });
      continue;
    }
    try {
      const series = range ? await deps.prometheus.range(q.query, range) : await deps.prometheus.instant(q.query);
      await deps.audit.record({ ...base, outcome: 'SUCCESS', details: { ...about, ...keepResult(series) } });
    } catch (err) {
      await deps.audit.record({ ...base, outcome: 'FAILURE', details: { ...about, error: (err as Error).message } });
    }
  }
}
