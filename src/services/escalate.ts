import type { Incident } from '../core/incident.js';
import type { ServiceDeps } from './deps.js';
import type { PageOutcome } from './pager.js';
import { pageSeverity } from './pager.js';

export type EscalationReason = 'automation_failed' | 'guard_blocked' | 'approval_pending' | 'no_runbook' | 'manual';

const describeReason: Record<EscalationReason, string> = {
  automation_failed: 'automation failed',
  guard_blocked: 'a guard blocked the remediation',
  approval_pending: 'an approval has waited too long',
  no_runbook: 'no runbook matches this critical alert',
  manual: 'escalated by hand',
};

/** Is this incident critical (guard blocks and missing runbooks page only then)? */
export function isCritical(incident: Pick<Incident, 'severity'>): boolean {
  return pageSeverity(incident.severity) === 'critical';
}

/**
 * Pages the on-call for an incident: one PagerDuty trigger per (incident, reason, key), audited
 * and said in the thread with who is on call. Paging is queued: this returns at once.
 */
export async function escalate(deps: ServiceDeps, incident: Incident, reason: EscalationReason, opts: { key?: string; operator?: string; detail?: string } = {}): Promise<void> {
  const stepKey = `escalation:${incident.round}:${reason}:${opts.key ?? ''}`;
  const onCall = deps.pager.enabled ? await deps.pager.onCall().catch(() => []) : [];
  const { created } = await deps.audit.append({
    incidentId: incident.id,
    kind: 'escalation.triggered',
    stepKey,
    trigger: reason,
    outcome: deps.pager.enabled ? 'SUCCESS' : 'SKIPPED',
    operator: opts.operator ?? 'automated',
    details: {
      reason: describeReason[reason],
      detail: opts.detail,
      paged: deps.pager.enabled,
      onCall: onCall.map((o) => ({ name: o.name, slackUserId: o.slackUserId, escalationLevel: o.escalationLevel })),
      ...(deps.pager.enabled ? {} : { note: 'PAGERDUTY_ROUTING_KEY is not set: nobody was paged' }),
    },
  });
  // A retried step (same stepKey) finds the record already written: page only once.
  if (!created || !deps.pager.enabled) return;
  deps.metrics.escalation(reason, 'queued');
  deps.pager.trigger({
    incidentId: incident.id,
    summary: `${incident.id} ${incident.title}: ${describeReason[reason]}${opts.detail ? ` (${opts.detail})` : ''}`.slice(0, 1024),
    severity: pageSeverity(incident.severity),
    source: incident.service ?? incident.source,
    component: incident.service,
    customDetails: { incident: incident.id, reason, detail: opts.detail, alerts: Object.values(incident.alerts).map((a) => a.name) },
  });
}

/** Records a PagerDuty event's final delivery: a failure is audited, counted and shown in the thread. */
export async function recordPageOutcome(deps: ServiceDeps, outcome: PageOutcome): Promise<void> {
  deps.metrics.escalation(outcome.action, outcome.delivered ? 'delivered' : 'failed');
  if (outcome.delivered) return;
  await deps.audit.record({
    incidentId: outcome.incidentId,
    kind: 'escalation.delivery_failed',
    stepKey: `page-failed:${outcome.action}:${deps.clock.now().toISOString()}`,
    trigger: 'pagerduty',
    outcome: 'FAILURE',
    operator: 'automated',
    details: { action: outcome.action, attempts: outcome.attempts, error: outcome.error },
  });
}
