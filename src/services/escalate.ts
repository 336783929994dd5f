import type { Incident } from '../core/incident.js';
import { authorityFor } from '../core/policy/authority.js';
import type { Actor } from '../core/policy/authority.js';
import type { ServiceDeps } from './deps.js';
import type { OnCall, PageOutcome } from './pager.js';
import { pageSeverity } from './pager.js';
import { occurrenceKey } from './occurrence-key.js';

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

/** Who is on call, as audit details keep it (and the thread shows it). */
async function onCallDetails(deps: ServiceDeps): Promise<Pick<OnCall, 'name' | 'slackUserId' | 'escalationLevel' | 'schedule'>[]> {
  const onCall = deps.pager.enabled ? await deps.pager.onCall().catch(() => []) : [];
  return onCall.map((o) => ({ name: o.name, slackUserId: o.slackUserId, escalationLevel: o.escalationLevel, schedule: o.schedule }));
}

/**
 * Pages the on-call for an incident: one PagerDuty trigger per (incident, reason, key), audited
 * and said in the thread with who is on call. Paging is queued: this returns at once, with false
 * when this (incident round, reason, key) had already escalated.
 */
export async function escalate(
  deps: ServiceDeps,
  incident: Incident,
  reason: EscalationReason,
  opts: { key?: string; operator?: string; authority?: string; detail?: string } = {},
): Promise<boolean> {
  const stepKey = `escalation:${incident.round}:${reason}:${opts.key ?? ''}`;
  const onCall = await onCallDetails(deps);
  const { created } = await deps.audit.append({
    incidentId: incident.id,
    kind: 'escalation.triggered',
    stepKey,
    trigger: reason,
    outcome: deps.pager.enabled ? 'SUCCESS' : 'SKIPPED',
    operator: opts.operator ?? 'automated',
    ...(opts.authority ? { authority: opts.authority } : {}),
    details: {
      reason: describeReason[reason],
      detail: opts.detail,
      paged: deps.pager.enabled,
      onCall,
      ...(deps.pager.enabled ? {} : { note: 'PAGERDUTY_ROUTING_KEY is not set: nobody was paged' }),
    },
  });
  // A retried step (same stepKey) finds the record already written: page only once.
  if (!created) return false;
  if (!deps.pager.enabled) return true;
  deps.metrics.escalation(reason, 'queued');
  deps.pager.trigger({
    incidentId: incident.id,
    summary: `${incident.id} ${incident.title}: ${describeReason[reason]}${opts.detail ? ` (${opts.detail})` : ''}`.slice(0, 1024),
    severity: pageSeverity(incident.severity),
    source: incident.service ?? incident.source,
    component: incident.service,
    customDetails: { incident: incident.id, reason, detail: opts.detail, alerts: Object.values(incident.alerts).map((a) => a.name) },
  });
  return true;
}

/**
 * Records a PagerDuty event's final delivery: a failure is audited, counted and shown in the thread
 * with who is on call, so people can reach them another way.
 */
export async function recordPageOutcome(deps: ServiceDeps, outcome: PageOutcome): Promise<void> {
  deps.metrics.escalation(outcome.action, outcome.delivered ? 'delivered' : 'failed');
  if (outcome.delivered) return;
  await deps.audit.record({
    incidentId: outcome.incidentId,
    kind: 'escalation.delivery_failed',
    stepKey: `page-failed:${outcome.action}:${occurrenceKey(deps)}`,
    trigger: 'pagerduty',
    outcome: 'FAILURE',
    operator: 'automated',
    details: { action: outcome.action, attempts: outcome.attempts, error: outcome.error, onCall: await onCallDetails(deps) },
  });
}

/** What the person who clicked Escalate is told (ephemeral). */
export type EscalationReply = { ok: boolean; message: string };

/**
 * The Escalate button: anyone holding any authority in the policy may page the on-call by hand;
 * anyone else is refused, and the refusal is audited. It pages once per incident round: further
 * clicks (five people clicking, a replayed click) find the escalation recorded and page nobody.
 */
export async function escalateByHand(deps: ServiceDeps, incidentId: string, actor: Actor): Promise<EscalationReply> {
  const incident = await deps.incidents.get(incidentId);
  if (!incident) return { ok: false, message: 'This incident no longer exists.' };
  const authority = authorityFor(deps.catalogue.policy, actor, Object.keys(deps.catalogue.policy.authorities));
  if (!authority) {
    const reason = `<@${actor.userId}> holds no authority in the policy`;
    deps.metrics.guardRefused('no_authority');
    await deps.audit.record({
      incidentId: incident.id,
      kind: 'escalation.refused',
      stepKey: `escalation-refused:${actor.userId}:${occurrenceKey(deps)}`,
      trigger: 'slack',
      outcome: 'FAILURE',
      operator: actor.userId,
      details: { code: 'NO_AUTHORITY', reason },
    });
    return { ok: false, message: `Refused: ${reason}.` };
  }
  if (incident.status === 'resolved') return { ok: false, message: `Nothing to escalate: ${incident.id} is resolved.` };
  const first = await escalate(deps, incident, 'manual', { operator: actor.userId, authority });
  if (deps.pager.enabled && !first) return { ok: true, message: `Already escalated: the on-call was paged for ${incident.id} in this round, so nobody was paged again. The thread says who is on call.` };
  if (!deps.pager.enabled) return { ok: false, message: `Not paged: PagerDuty is not configured (PAGERDUTY_ROUTING_KEY is unset). The escalation of ${incident.id} is recorded in the thread; reach the on-call another way.` };
  return { ok: true, message: `Paged the on-call for ${incident.id}. The thread says who is on call.` };
}

/**
 * Whether this round of the incident paged anyone: acknowledge and resolve events are sent only
 * then, so quiet incidents spend no PagerDuty rate budget and raise no delivery failures.
 */
export async function wasPaged(deps: ServiceDeps, incident: Pick<Incident, 'id' | 'round'>): Promise<boolean> {
  if (!deps.pager.enabled) return false;
  const records = await deps.audit.query({ incident: incident.id, kind: 'escalation.triggered', n: 1000 });
  return records.some((r) => r.outcome === 'SUCCESS' && r.stepKey.startsWith(`escalation:${incident.round}:`));
}
