import { alertOfRecord } from '../core/alert-record.js';
import type { Incident } from '../core/incident.js';
import { alertsBytes, applyAlert } from '../core/incident.js';
import type { AuditStore, IncidentStore } from './ports.js';
import { ConflictError } from './ports.js';

/** How many times a conditional write on an incident is tried again after another writer won. */
export const MAX_RACE_RETRIES = 8;

/**
 * The incident with every alert its trail holds that the item does not yet (see `foldedSeq`), and
 * the seq read up to; `incident` unchanged and `lastSeq` undefined when there is nothing to add.
 */
export async function withRecordedAlerts(deps: { audit: Pick<AuditStore, 'after'> }, incident: Incident): Promise<{ incident: Incident; lastSeq?: number }> {
  const records = await deps.audit.after(incident.id, incident.foldedSeq ?? 0);
  if (records.length === 0) return { incident };
  let current = incident;
  let bytes = alertsBytes(current);
  for (const record of records) {
    const alert = alertOfRecord(record);
    if (!alert) continue;
    const result = applyAlert(current, alert, new Date(record.timestamp), bytes);
    current = result.incident;
    bytes = result.bytes;
  }
  return { incident: current, lastSeq: (records.at(-1) as { seq: number }).seq };
}

/**
 * Brings the incident item up to date with the alerts its trail holds (those the fast path of
 * ingestion stored as records only): one conditional write for however many arrived. Returns the
 * incident as it now stands.
 */
export async function foldRecordedAlerts(deps: { incidents: Pick<IncidentStore, 'get' | 'update'>; audit: Pick<AuditStore, 'after'> }, incidentId: string): Promise<Incident | undefined> {
  for (let attempt = 0; attempt < MAX_RACE_RETRIES; attempt++) {
    const stored = await deps.incidents.get(incidentId);
    if (!stored) return undefined;
    const { incident, lastSeq } = await withRecordedAlerts(deps, stored);
    if (lastSeq === undefined) return stored;
    try {
      return await deps.incidents.update({ ...incident, foldedSeq: lastSeq });
    } catch (err) {
      if (!(err instanceof ConflictError)) throw err;
    }
  }
  throw new ConflictError(`incident ${incidentId} kept changing while its alerts were applied; gave up after ${MAX_RACE_RETRIES} attempts`);
}
