import type { InsufficientData } from '../core/ingest/cloudwatch.js';
import type { ServiceDeps } from './deps.js';

/**
 * Notes a CloudWatch INSUFFICIENT_DATA change on the alarm's open incident, as an audit record
 * (and so a line in its thread), changing nothing else: the alarm cannot tell whether the problem
 * is there (a stopped instance reports no data, our own stop/start included), so it neither fires
 * nor resolves. With no open incident for the alarm there is nothing to note it on, and no
 * incident is opened for it. Idempotent: a redelivery writes nothing new.
 *
 * @returns the incident it was noted on, if any
 */
export async function recordInsufficientData(deps: ServiceDeps, alarm: InsufficientData): Promise<string | undefined> {
  const claim = await deps.incidents.getClaim(alarm.groupKey);
  const incident = claim ? await deps.incidents.get(claim.incidentId) : undefined;
  if (!incident || incident.status === 'resolved') {
    deps.log.info({ groupKey: alarm.groupKey, alertname: alarm.name }, 'INSUFFICIENT_DATA for an alarm with no open incident: nothing to note it on');
    return undefined;
  }
  await deps.audit.record({
    incidentId: incident.id,
    kind: 'alert.insufficient_data',
    stepKey: `insufficient_data:${alarm.fingerprint}:${alarm.changedAt}:${incident.round}`,
    trigger: alarm.source,
    outcome: 'SUCCESS',
    operator: 'automated',
    alertname: alarm.name,
    targetResource: alarm.resource,
    details: { fingerprint: alarm.fingerprint, state: 'INSUFFICIENT_DATA', reason: alarm.reason, changedAt: alarm.changedAt },
  });
  return incident.id;
}
