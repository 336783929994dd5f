import type { Incident } from '../core/incident.js';
import { authorityFor } from '../core/policy/authority.js';
import type { Actor } from '../core/policy/authority.js';
import type { ServiceDeps } from './deps.js';
import { pageSeverity } from './pager.js';
import { occurrenceKey } from './occurrence-key.js';

export type EscalationReason = 'automation_failed' | 'not_verified' | 'guard_blocked' | 'approval_pending' | 'no_runbook' | 'runbook_pages' | 'tracking_lost' | 'manual';

const describeReason: Record<EscalationReason, string> = {
  automation_failed: 'automation failed',
  not_verified: "the action succeeded but its verify check did not hold in time: the fix may not have worked",
  guard_blocked: 'a guard blocked the remediation',
  approval_pending: 'an approval has waited too long',
  no_runbook: 'no runbook matches this critical alert',
  runbook_pages: 'the proposed runbook pages the on-call (page: true)',
  tracking_lost: 'SSM keeps not saying what became of a running action',
  manual: 'escalated by hand',
};

/** Is this incident critical (guard blocks and missing runbooks page only then)? */
export function isCritical(incident: Pick<Incident, 'severity'>): boolean {
  return pageSeverity(incident.severity) === 'critical';
}

/**
 * Pages the on-call for an incident: one escalation per (incident, round, reason, key), audited and
 * shown in the thread. The record is the page: PagerDuty delivery sends it from the audit trail
 * (so a crash cannot lose it) and records `escalation.paged` once PagerDuty took it. This returns
 * at once, never waits on PagerDuty, and says whether this call escalated (false: this incident
 * round, reason and key had escalated already).
 */
export async function escalate(
  deps: Pick<ServiceDeps, 'audit' | 'pager' | 'metrics'>,
  incident: Incident,
  reason: EscalationReason,
  opts: { key?: string; operator?: string; authority?: string; detail?: string } = {},
): Promise<boolean> {
  const paging = deps.pager.enabled;
  const page = {
    summary: `${incident.id} ${incident.title}: ${describeReason[reason]}${opts.detail ? ` (${opts.detail})` : ''}`.slice(0, 1024),
    severity: pageSeverity(incident.severity),
    source: incident.service ?? incident.source,
    ...(incident.service ? { component: incident.service } : {}),
    customDetails: { incident: incident.id, reason, detail: opts.detail, alerts: Object.values(incident.alerts).map((a) => a.name).slice(0, 50) },
  };
  const { created } = await deps.audit.append({
    incidentId: incident.id,
    kind: 'escalation.triggered',
    stepKey: `escalation:${incident.round}:${reason}:${opts.key ?? ''}`,
    trigger: reason,
    outcome: paging ? 'SUCCESS' : 'SKIPPED',
    operator: opts.operator ?? 'automated',
    ...(opts.authority ? { authority: opts.authority } : {}),
    details: {
      reason: describeReason[reason],
      detail: opts.detail,
      ...(paging ? { page } : { paged: false, note: 'PAGERDUTY_ROUTING_KEY is not set: nobody was paged' }),
    },
  });
  if (created && paging) deps.metrics.escalation(reason, 'queued');
  return created;
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
  return { ok: true, message: `Paging the on-call for ${incident.id}. The thread says when PagerDuty has taken the page, and who is on call.` };
}
