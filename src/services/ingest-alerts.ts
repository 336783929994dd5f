import type { Alert } from '../core/alert.js';
import type { AlertEffect, Incident } from '../core/incident.js';
import { applyAlert, canReopen, newIncident } from '../core/incident.js';
import type { ServiceDeps } from './deps.js';
import { ConflictError } from './ports.js';
import { processIncident } from './process-incident.js';

export interface RecordedAlert {
  incidentId: string;
  effect: AlertEffect | 'opened' | 'ignored';
}

const MAX_RACE_RETRIES = 8;

async function openNew(deps: ServiceDeps, alert: Alert, previousIncidentId: string | undefined): Promise<Incident> {
  const id = await deps.incidents.nextId();
  await deps.incidents.putClaim({ groupKey: alert.groupKey, incidentId: id }, previousIncidentId);
  return deps.incidents.create(withChannel(deps, newIncident(id, alert, deps.clock.now())));
}

function withChannel(deps: ServiceDeps, incident: Incident): Incident {
  if (!incident.channel && deps.defaultChannel) incident.channel = deps.defaultChannel;
  return incident;
}

/**
 * Stores one alert durably in its incident: joins the open incident of its group, reopens one
 * resolved within 10 minutes, or opens a new one. Every write is conditional, so a redelivery or a
 * second replica racing on the same group ends with one incident; the loser re-reads and joins.
 */
async function storeAlert(deps: ServiceDeps, alert: Alert): Promise<{ incident: Incident; effect: RecordedAlert['effect'] }> {
  for (let attempt = 0; attempt < MAX_RACE_RETRIES; attempt++) {
    try {
      // First try the claim this process remembers; a resolved incident means it may be out of date.
      const claim = await deps.incidents.getClaim(alert.groupKey, { cached: attempt === 0 });
      if (!claim) {
        // A lone "resolved" for a group we never saw has nothing to resolve.
        if (alert.status === 'resolved') return { incident: undefined as never, effect: 'ignored' };
        return { incident: await openNew(deps, alert, undefined), effect: 'opened' };
      }
      let existing = await deps.incidents.get(claim.incidentId);
      if (existing?.status === 'resolved' && attempt === 0) {
        const fresh = await deps.incidents.getClaim(alert.groupKey);
        if (fresh && fresh.incidentId !== claim.incidentId) {
          claim.incidentId = fresh.incidentId;
          existing = await deps.incidents.get(fresh.incidentId);
        }
      }
      if (!existing) {
        // The claim was written but the process stopped before the incident: finish the job.
        return { incident: await deps.incidents.create(withChannel(deps, newIncident(claim.incidentId, alert, deps.clock.now()))), effect: 'opened' };
      }
      const now = deps.clock.now();
      if (existing.status === 'resolved' && alert.status === 'firing' && !canReopen(existing, now)) {
        return { incident: await openNew(deps, alert, existing.id), effect: 'opened' };
      }
      const { incident, effect } = applyAlert(existing, alert, now);
      if (effect === 'unchanged') return { incident: existing, effect };
      return { incident: await deps.incidents.update(incident), effect };
    } catch (err) {
      if (!(err instanceof ConflictError)) throw err;
      deps.log.debug({ groupKey: alert.groupKey, attempt }, 'lost a race on the alert group; retrying');
    }
  }
  throw new ConflictError(`could not store alert ${alert.fingerprint} after ${MAX_RACE_RETRIES} attempts`);
}

/** Records the alert and the lifecycle step it caused. Idempotent: a redelivery writes nothing new. */
export async function recordAlert(deps: ServiceDeps, alert: Alert): Promise<RecordedAlert> {
  const { incident, effect } = await storeAlert(deps, alert);
  if (effect === 'ignored') return { incidentId: '', effect };
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
  // Lifecycle steps only when this alert caused one; the worker re-checks them after a crash.
  if (effect === 'opened' || effect === 'reopened' || effect === 'resolved') await auditLifecycle(deps, incident);
  return { incidentId: incident.id, effect };
}

/**
 * The lifecycle records implied by the incident's current state. Called after every change and
 * again by the worker, so a step interrupted between the incident write and its audit is completed.
 */
export async function auditLifecycle(deps: ServiceDeps, incident: Incident): Promise<void> {
  const base = { incidentId: incident.id, trigger: incident.source, outcome: 'SUCCESS' as const, operator: 'automated' };
  const firstAlert = Object.values(incident.alerts)[0];
  await deps.audit.record({ ...base, kind: 'incident.opened', stepKey: 'opened', alertname: firstAlert?.name, details: { title: incident.title, severity: incident.severity, groupKey: incident.groupKey } });
  if (incident.round > 0) await deps.audit.record({ ...base, kind: 'incident.reopened', stepKey: `reopened:${incident.round}`, details: { round: incident.round } });
  if (incident.status === 'resolved') {
    await deps.audit.record({ ...base, kind: 'incident.resolved', stepKey: `resolved:${incident.round}`, details: { resolvedAt: incident.resolvedAt, reason: 'all alerts resolved' } });
  }
}

/**
 * Ingests a batch (one webhook). Returns once every alert is durably stored and audited, which is
 * when the webhook may answer 2xx; diagnostics, proposals and Slack continue in the background.
 */
export async function ingestAlerts(deps: ServiceDeps, alerts: readonly Alert[]): Promise<RecordedAlert[]> {
  const results: RecordedAlert[] = [];
  for (const alert of alerts) results.push(await recordAlert(deps, alert));
  // Redeliveries too: processing is idempotent, and it completes work an earlier crash interrupted.
  const touched = new Set(results.filter((r) => r.effect !== 'ignored').map((r) => r.incidentId));
  for (const id of touched) void deps.tasks.runCoalesced(`incident:${id}`, () => processIncident(deps, id));
  return results;
}
