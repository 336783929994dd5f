import { acknowledgeIncident, resolveIncidentManually } from '../core/incident.js';
import type { Incident, TransitionResult } from '../core/incident.js';
import { authorityFor } from '../core/policy/authority.js';
import type { Actor } from '../core/policy/authority.js';
import type { ServiceDeps } from './deps.js';
import { updateIncident } from './update-incident.js';
import { withdrawWaitingProposals } from './resolution.js';
import { occurrenceKey } from './occurrence-key.js';

export type LifecycleReply = { ok: boolean; message: string };

function authorityOf(deps: ServiceDeps, actor: Actor): string | undefined {
  return authorityFor(deps.catalogue.policy, actor, Object.keys(deps.catalogue.policy.authorities));
}

async function refuse(deps: ServiceDeps, incidentId: string, actor: Actor, what: string): Promise<LifecycleReply> {
  await deps.audit.record({
    incidentId,
    kind: `incident.${what}_refused`,
    stepKey: `${what}-refused:${actor.userId}:${occurrenceKey(deps)}`,
    trigger: 'slack',
    outcome: 'FAILURE',
    operator: actor.userId,
    details: { reason: 'holds no authority in the policy' },
  });
  return { ok: false, message: `Refused: <@${actor.userId}> holds no authority in the policy.` };
}

/**
 * A person moves an incident by hand: it must exist, the person must hold an authority (a refusal
 * is audited), and `transition` is applied with a conditional write. Returns the updated incident
 * and the authority, or the reply to give instead.
 */
async function transitionByHand(
  deps: ServiceDeps,
  incidentId: string,
  actor: Actor,
  what: 'ack' | 'resolve',
  transition: (incident: Incident) => TransitionResult,
): Promise<{ updated: Incident; authority: string } | { reply: LifecycleReply }> {
  const incident = await deps.incidents.get(incidentId);
  if (!incident) return { reply: { ok: false, message: `No incident ${incidentId}.` } };
  const authority = authorityOf(deps, actor);
  if (!authority) return { reply: await refuse(deps, incidentId, actor, what) };
  let refusal: string | undefined;
  const updated = await updateIncident(deps, incidentId, (current) => {
    const result = transition(current);
    if (!result.ok) refusal = result.reason;
    return result.ok ? result.incident : undefined;
  });
  if (refusal || !updated) return { reply: { ok: false, message: refusal ?? `No incident ${incidentId}.` } };
  return { updated, authority };
}

/** The Acknowledge button and `/incident ack`: audited and shown; PagerDuty follows if the incident paged. */
export async function acknowledgeByHand(deps: ServiceDeps, incidentId: string, actor: Actor): Promise<LifecycleReply> {
  const moved = await transitionByHand(deps, incidentId, actor, 'ack', (current) => acknowledgeIncident(current, actor.userId, deps.clock.now()));
  if ('reply' in moved) return moved.reply;
  const { updated, authority } = moved;
  await deps.audit.record({
    incidentId,
    kind: 'incident.acknowledged',
    stepKey: `acknowledged:${updated.round}`,
    trigger: 'slack',
    outcome: 'SUCCESS',
    operator: actor.userId,
    authority,
    details: { status: updated.status },
  });
  return { ok: true, message: `${incidentId} acknowledged.` };
}

/** `/incident resolve <id> [note]`: a person closes it; the summary follows in the thread. */
export async function resolveByHand(deps: ServiceDeps, incidentId: string, actor: Actor, note: string): Promise<LifecycleReply> {
  const moved = await transitionByHand(deps, incidentId, actor, 'resolve', (current) => resolveIncidentManually(current, deps.clock.now()));
  if ('reply' in moved) return moved.reply;
  const { updated, authority } = moved;
  await deps.audit.record({
    incidentId,
    kind: 'incident.resolved',
    stepKey: `resolved:${updated.round}`,
    trigger: 'slack',
    outcome: 'SUCCESS',
    operator: actor.userId,
    authority,
    details: { resolvedAt: updated.resolvedAt, reason: note ? `resolved by hand: ${note}` : 'resolved by hand', note, resolvedBy: actor.userId },
  });
  // Proposals still waiting are withdrawn now, before the reply: none may run after "resolved".
  // The summary and PagerDuty follow in the background.
  await withdrawWaitingProposals(deps, updated);
  deps.workflow.incidentChanged(incidentId);
  const still = Object.values(updated.alerts).filter((a) => a.status === 'firing').length;
  return { ok: true, message: `${incidentId} resolved.${still > 0 ? ` ${still} alert(s) were still firing; if they fire again within 10 minutes the incident reopens.` : ''}` };
}
