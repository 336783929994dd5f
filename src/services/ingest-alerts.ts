import type { Alert } from '../core/alert.js';
import type { AlertEffect, Incident } from '../core/incident.js';
import { alertsBytes, applyAlert, canReopen, newIncident } from '../core/incident.js';
import type { ServiceDeps } from './deps.js';
import { ConflictError } from './ports.js';
import { auditLifecycle } from './lifecycle-records.js';

export interface RecordedAlert {
  incidentId: string;
  effect: AlertEffect | 'opened' | 'ignored';
}

const MAX_RACE_RETRIES = 8;

function withChannel(deps: ServiceDeps, incident: Incident): Incident {
  if (!incident.channel && deps.defaultChannel) incident.channel = deps.defaultChannel;
  return incident;
}

type Effect = RecordedAlert['effect'];

/** Applies a group's alerts in order to `incident`; `first` is the index of the first not yet applied. */
function applyAll(incident: Incident, alerts: readonly Alert[], effects: Effect[], first: number, now: Date): Incident {
  let current = incident;
  let bytes = alertsBytes(current);
  for (let i = first; i < alerts.length; i++) {
    const result = applyAlert(current, alerts[i] as Alert, now, bytes);
    current = result.incident;
    bytes = result.bytes;
    effects[i] = result.effect;
  }
  return current;
}

/** A new incident for the group from its first firing alert, with the rest of the batch applied. */
function openedFrom(deps: ServiceDeps, id: string, alerts: readonly Alert[], effects: Effect[], now: Date): Incident | undefined {
  const firstFiring = alerts.findIndex((a) => a.status === 'firing');
  if (firstFiring === -1) return undefined;
  // Resolutions before the first firing alert have nothing of this incident to resolve.
  for (let i = 0; i < firstFiring; i++) effects[i] = 'ignored';
  effects[firstFiring] = 'opened';
  return applyAll(withChannel(deps, newIncident(id, alerts[firstFiring] as Alert, now)), alerts, effects, firstFiring + 1, now);
}

/**
 * Stores a group's alerts (one webhook's worth) durably in their incident with one write: joins
 * the open incident of the group, reopens one resolved within 10 minutes, or opens a new one.
 * Every write is conditional, so a redelivery or a second replica racing on the same group ends
 * with one incident; the loser re-reads and applies its alerts again.
 */
async function storeGroup(deps: ServiceDeps, alerts: readonly Alert[]): Promise<{ incident: Incident | undefined; effects: Effect[] }> {
  const groupKey = (alerts[0] as Alert).groupKey;
  for (let attempt = 0; attempt < MAX_RACE_RETRIES; attempt++) {
    const effects: Effect[] = alerts.map(() => 'unchanged');
    const now = deps.clock.now();
    try {
      // First try the claim this process remembers; a resolved incident means it may be out of date.
      const claim = await deps.incidents.getClaim(groupKey, { cached: attempt === 0 });
      if (!claim) {
        // A lone "resolved" for a group we never saw has nothing to resolve.
        const id = alerts.some((a) => a.status === 'firing') ? await deps.incidents.nextId() : undefined;
        const opened = id ? openedFrom(deps, id, alerts, effects, now) : undefined;
        if (!opened) return { incident: undefined, effects: alerts.map(() => 'ignored') };
        await deps.incidents.putClaim({ groupKey, incidentId: opened.id }, undefined);
        return { incident: await deps.incidents.create(opened), effects };
      }
      let existing = await deps.incidents.get(claim.incidentId);
      if (existing?.status === 'resolved' && attempt === 0) {
        const fresh = await deps.incidents.getClaim(groupKey);
        if (fresh && fresh.incidentId !== claim.incidentId) {
          claim.incidentId = fresh.incidentId;
          existing = await deps.incidents.get(fresh.incidentId);
        }
      }
      if (!existing) {
        // The claim was written but the process stopped before the incident: finish the job.
        const opened = openedFrom(deps, claim.incidentId, alerts, effects, now);
        if (!opened) return { incident: undefined, effects: alerts.map(() => 'ignored') };
        return { incident: await deps.incidents.create(opened), effects };
      }
      if (existing.status === 'resolved' && alerts.some((a) => a.status === 'firing') && !canReopen(existing, now)) {
        const opened = openedFrom(deps, await deps.incidents.nextId(), alerts, effects, now) as Incident;
        await deps.incidents.putClaim({ groupKey, incidentId: opened.id }, existing.id);
        return { incident: await deps.incidents.create(opened), effects };
      }
      const next = applyAll(existing, alerts, effects, 0, now);
      if (effects.every((e) => e === 'unchanged')) return { incident: existing, effects };
      return { incident: await deps.incidents.update(next), effects };
    } catch (err) {
      if (!(err instanceof ConflictError)) throw err;
      deps.log.debug({ groupKey, attempt }, 'lost a race on the alert group; retrying');
    }
  }
  throw new ConflictError(`could not store ${alerts.length} alert(s) of group ${groupKey} after ${MAX_RACE_RETRIES} attempts`);
}

/**
 * Records a group's alerts and the lifecycle steps they caused: one incident write, then one
 * audit record per alert. Idempotent: a redelivery writes nothing new.
 */
export async function recordAlerts(deps: ServiceDeps, alerts: readonly Alert[]): Promise<RecordedAlert[]> {
  const { incident, effects } = await storeGroup(deps, alerts);
  if (!incident) return alerts.map(() => ({ incidentId: '', effect: 'ignored' }));
  for (const [i, alert] of alerts.entries()) {
    const effect = effects[i] as Effect;
    if (effect === 'ignored') continue;
    deps.metrics.alertReceived(alert.source);
    if (effect === 'opened') deps.metrics.incidentOpened();
    await deps.audit.record({
      incidentId: incident.id,
      kind: 'alert.received',
      stepKey: `alert:${alert.fingerprint}:${alert.status}:${alert.startsAt}:${incident.round}`,
      trigger: alert.source,
      outcome: 'SUCCESS',
      operator: 'automated',
      alertname: alert.name,
      targetResource: alert.resource,
      details: { fingerprint: alert.fingerprint, status: alert.status, severity: alert.severity, summary: alert.summary, effect },
    });
  }
  // Lifecycle steps only when this batch caused one; the worker re-checks them after a crash.
  if (effects.some((e) => e === 'opened' || e === 'reopened' || e === 'resolved')) await auditLifecycle(deps, incident);
  return effects.map((effect) => (effect === 'ignored' ? { incidentId: '', effect } : { incidentId: incident.id, effect }));
}

/** Records one alert (a /remediate request, a single webhook alert). */
export async function recordAlert(deps: ServiceDeps, alert: Alert): Promise<RecordedAlert> {
  return (await recordAlerts(deps, [alert]))[0] as RecordedAlert;
}

/**
 * Ingests a batch (one webhook). Returns once every alert is durably stored and audited, which is
 * when the webhook may answer 2xx; diagnostics, proposals and Slack continue in the background.
 */
export async function ingestAlerts(deps: ServiceDeps, alerts: readonly Alert[]): Promise<RecordedAlert[]> {
  // One write per group: Alertmanager sends a whole group in one webhook, and a group of hundreds
  // of alerts written one by one would rewrite its incident hundreds of times.
  const groups = new Map<string, Alert[]>();
  for (const alert of alerts) {
    const group = groups.get(alert.groupKey);
    if (group) group.push(alert);
    else groups.set(alert.groupKey, [alert]);
  }
  const results: RecordedAlert[] = [];
  for (const group of groups.values()) results.push(...(await recordAlerts(deps, group)));
  // Redeliveries too: processing is idempotent, and it completes work an earlier crash interrupted.
  const touched = new Set(results.filter((r) => r.effect !== 'ignored').map((r) => r.incidentId));
  for (const id of touched) deps.workflow.incidentChanged(id);
  return results;
}
