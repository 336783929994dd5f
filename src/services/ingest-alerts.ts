import type { Alert } from '../core/alert.js';
import { boundAlert } from '../core/alert.js';
import { alertOfRecordFields } from '../core/alert-record.js';
import type { AlertEffect, Incident } from '../core/incident.js';
import { alertsBytes, applyAlert, canReopen, newIncident } from '../core/incident.js';
import type { ServiceDeps } from './deps.js';
import { ConflictError } from './ports.js';
import type { GroupClaim } from './ports.js';
import { auditLifecycle } from './lifecycle-records.js';
import { withdrawWaitingProposals } from './resolution.js';
import { MAX_RACE_RETRIES, withRecordedAlerts } from './recorded-alerts.js';

export interface RecordedAlert {
  incidentId: string;
  effect: AlertEffect | 'opened' | 'ignored';
}

/**
 * How recently this process must have read or written an incident to add alerts to it without
 * reading it first. Within this, an incident another replica resolved meanwhile is reopened by the
 * alert, which is what a re-fire within the reopen window should do anyway.
 */
const FRESH_MS = 60_000;
/**
 * Batches up to this size may take the fast path. A larger one (Alertmanager sends a whole group
 * at once) is cheaper as one incident write than as that many records carrying whole alerts.
 */
const FAST_PATH_MAX_ALERTS = 16;

type Deps = Pick<ServiceDeps, 'incidents' | 'proposals' | 'audit' | 'clock' | 'metrics' | 'log' | 'defaultChannel'>;
type Effect = RecordedAlert['effect'];
/** Writes the alerts' records for `incident`; `whole`: each carries its alert (the trail is its only store). */
type Recorder = (incident: Incident, effects: readonly Effect[], whole: boolean) => Promise<void>;

function withChannel(deps: Deps, incident: Incident): Incident {
  if (!incident.channel && deps.defaultChannel) incident.channel = deps.defaultChannel;
  return incident;
}

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
function openedFrom(deps: Deps, id: string, alerts: readonly Alert[], effects: Effect[], now: Date): Incident | undefined {
  const firstFiring = alerts.findIndex((a) => a.status === 'firing');
  if (firstFiring === -1) return undefined;
  // Resolutions before the first firing alert have nothing of this incident to resolve.
  for (let i = 0; i < firstFiring; i++) effects[i] = 'ignored';
  effects[firstFiring] = 'opened';
  return applyAll(withChannel(deps, newIncident(id, alerts[firstFiring] as Alert, now)), alerts, effects, firstFiring + 1, now);
}

/** What the fast path decided; `reservedId` is an id taken for a group no one has claimed yet. */
type Joined = { incident: Incident; effects: Effect[] } | { unclaimed: boolean; reservedId?: string };

/**
 * The claim of a group this process has not seen, read from the store. When some alert fires, the
 * next incident id is taken at the same time: a new group then opens one round trip sooner, and
 * a group that had a claim after all gives the id back (see IncidentStore.releaseId).
 */
async function lookUpClaim(deps: Deps, alerts: readonly Alert[]): Promise<{ claim?: GroupClaim; reservedId?: string }> {
  const groupKey = (alerts[0] as Alert).groupKey;
  const firing = alerts.some((a) => a.status === 'firing');
  const [claim, id] = await Promise.allSettled([deps.incidents.getClaim(groupKey), firing ? deps.incidents.nextId() : Promise.resolve(undefined)]);
  if (claim.status === 'rejected' || claim.value) {
    if (id.status === 'fulfilled' && id.value) void deps.incidents.releaseId(id.value);
    if (claim.status === 'rejected') throw claim.reason;
    return { claim: claim.value as GroupClaim };
  }
  if (id.status === 'rejected') throw id.reason;
  return id.value ? { reservedId: id.value } : {};
}

/**
 * The usual case of an alert storm: alerts that join an incident this process knows to be open
 * and change nothing of its lifecycle. They are durable once their audit records are written; the
 * incident item follows from the trail in the background, one write for many alerts. Anything
 * else (a new group, an opening, a resolution, a reopen, an incident not known here) is undefined:
 * the full path handles it.
 */
async function joinKnownIncident(deps: Deps, alerts: readonly Alert[]): Promise<Joined> {
  if (alerts.length > FAST_PATH_MAX_ALERTS) return { unclaimed: false };
  let claim = deps.incidents.knownClaim((alerts[0] as Alert).groupKey);
  if (!claim) {
    const looked = await lookUpClaim(deps, alerts);
    // Read from the store just now: the full path need not read it again to open the group's incident.
    if (!looked.claim) return { unclaimed: true, ...(looked.reservedId ? { reservedId: looked.reservedId } : {}) };
    claim = looked.claim;
  }
  const known = await deps.incidents.get(claim.incidentId, { cached: true, maxAgeMs: FRESH_MS });
  if (!known || known.status === 'resolved') return { unclaimed: false };
  const effects: Effect[] = alerts.map(() => 'unchanged');
  const next = applyAll(known, alerts, effects, 0, deps.clock.now());
  if (effects.some((e) => e === 'resolved' || e === 'reopened')) return { unclaimed: false };
  return { incident: next, effects };
}

/**
 * Stores a group's alerts (one webhook's worth) in their incident with one write: joins the open
 * incident of the group, reopens one resolved within 10 minutes, or opens a new one. The incident
 * first takes in the alerts its trail holds that the item does not yet. The alerts' records are
 * written before the incident (`record`), so an incident never holds an alert its trail lacks, and
 * a redelivery that changes nothing writes nothing. Every write is conditional, so a redelivery or
 * a second replica racing on the same group ends with one incident; the loser re-reads and applies
 * its alerts again (its records are found already written).
 */
async function storeGroup(
  deps: Deps,
  alerts: readonly Alert[],
  record: Recorder,
  unclaimed: boolean,
  reservedId?: string,
): Promise<{ incident: Incident | undefined; effects: Effect[] }> {
  const groupKey = (alerts[0] as Alert).groupKey;
  for (let attempt = 0; attempt < MAX_RACE_RETRIES; attempt++) {
    const effects: Effect[] = alerts.map(() => 'unchanged');
    const now = deps.clock.now();
    try {
      // First try the claim this process remembers (or knows absent, `unclaimed`: the store was
      // read for it just now); a resolved incident means it may be out of date. A lost race
      // (ConflictError) reads the store again.
      const claim = attempt === 0 && unclaimed ? undefined : await deps.incidents.getClaim(groupKey, { cached: attempt === 0 });
      if (!claim) {
        // A lone "resolved" for a group we never saw has nothing to resolve.
        if (!alerts.some((a) => a.status === 'firing')) return { incident: undefined, effects: alerts.map(() => 'ignored') };
        return { incident: await openNew(deps, { groupKey, previous: undefined, reservedId: attempt === 0 ? reservedId : undefined }, alerts, effects, now, record), effects };
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
        await record(opened, effects, false);
        return { incident: await deps.incidents.create(opened), effects };
      }
      const { incident: current, lastSeq } = await withRecordedAlerts(deps, existing);
      if (current.status === 'resolved' && alerts.some((a) => a.status === 'firing') && !canReopen(current, now)) {
        return { incident: await openNew(deps, { groupKey, previous: current.id }, alerts, effects, now, record), effects };
      }
      const next = applyAll(current, alerts, effects, 0, now);
      await record(next, effects, false);
      // Nothing for the item (redeliveries, alerts it has no room for): the records were all there was to write.
      if (next === current && lastSeq === undefined) return { incident: existing, effects };
      return { incident: await deps.incidents.update(lastSeq === undefined ? next : { ...next, foldedSeq: lastSeq }), effects };
    } catch (err) {
      if (!(err instanceof ConflictError)) throw err;
      deps.log.debug({ groupKey, attempt }, 'lost a race on the alert group; retrying');
    }
  }
  throw new ConflictError(`could not store ${alerts.length} alert(s) of group ${groupKey} after ${MAX_RACE_RETRIES} attempts`);
}

/**
 * A new incident for the group (`previous`: the resolved one it replaces). Its id is handed back
 * when the claim loses a race, so a losing replica does not burn a number people see.
 */
async function openNew(
  deps: Deps,
  group: { groupKey: string; previous: string | undefined; reservedId?: string | undefined },
  alerts: readonly Alert[],
  effects: Effect[],
  now: Date,
  record: Recorder,
): Promise<Incident> {
  const id = group.reservedId ?? (await deps.incidents.nextId());
  try {
    await deps.incidents.putClaim({ groupKey: group.groupKey, incidentId: id }, group.previous);
  } catch (err) {
    void deps.incidents.releaseId(id);
    throw err;
  }
  const opened = openedFrom(deps, id, alerts, effects, now) as Incident;
  // A new id: its audit chain is empty, so its first append need not read it.
  deps.audit.beginChain(id);
  if (alerts.length > FAST_PATH_MAX_ALERTS) {
    await record(opened, effects, false);
    return deps.incidents.create(opened);
  }
  return openFromTrail(deps, opened, alerts, now, (whole) => record(opened, effects, whole));
}

/**
 * Opens a small batch's incident with its two writes at once: the alerts' records, each carrying
 * its whole alert, and the incident item without the alerts, which it takes in from the trail as
 * it does the joins of the fast path (foldRecordedAlerts, right after). So the item never holds an
 * alert its trail lacks, whichever write fails. This process remembers the incident with its alerts
 * once both are written; if the records failed, it remembers the item as stored, so the retry that
 * follows (Alertmanager's, on the 503) records the alerts.
 */
async function openFromTrail(deps: Deps, opened: Incident, alerts: readonly Alert[], now: Date, record: (whole: boolean) => Promise<void>): Promise<Incident> {
  const first = alerts.find((a) => a.status === 'firing') as Alert;
  const item: Incident = { ...withChannel(deps, newIncident(opened.id, first, now)), alerts: {} };
  const [recorded, created] = await Promise.allSettled([
    record(true),
    deps.incidents.create(item).then((stored) => {
      deps.incidents.remember({ ...opened, version: stored.version });
      return stored;
    }),
  ]);
  if (recorded.status === 'rejected') {
    if (created.status === 'fulfilled') deps.incidents.remember(created.value);
    throw recorded.reason;
  }
  if (created.status === 'rejected') throw created.reason;
  return { ...opened, version: created.value.version };
}

/**
 * One `alert.received` record per alert: what it did, and, when the record is the alert's only
 * store (`whole`: the fast path), the alert itself (bounded), for the incident item to fold in.
 */
async function auditAlerts(
  deps: Deps,
  incident: Incident,
  alerts: readonly Alert[],
  effects: readonly Effect[],
  clipped: readonly (readonly string[])[],
  whole: boolean,
  /** Steps this call recorded already, in an attempt that then lost the race for the incident. */
  done: Set<string> = new Set(),
): Promise<void> {
  for (const [i, alert] of alerts.entries()) {
    const effect = effects[i] as Effect;
    // A redelivery of what the incident already holds: its record was written the first time.
    if (effect === 'ignored' || effect === 'unchanged') continue;
    const stepKey = `alert:${alert.fingerprint}:${alert.status}:${alert.startsAt}:${incident.round}`;
    // Alert records carry no marker (see the audit store): a retry after a lost race must not write them again.
    const doneKey = `${incident.id}\u0000${stepKey}`;
    if (done.has(doneKey)) continue;
    const cut = clipped[i] ?? [];
    const { created } = await deps.audit.append({
      incidentId: incident.id,
      kind: 'alert.received',
      stepKey,
      trigger: alert.source,
      outcome: 'SUCCESS',
      operator: 'automated',
      alertname: alert.name,
      targetResource: alert.resource,
      details: { fingerprint: alert.fingerprint, status: alert.status, severity: alert.severity, summary: alert.summary, effect, ...(whole ? { alert: alertOfRecordFields(alert) } : {}), ...(cut.length > 0 ? { clipped: cut } : {}) },
    });
    done.add(doneKey);
    if (!created) continue;
    deps.metrics.alertReceived(alert.source);
    if (effect === 'opened') deps.metrics.incidentOpened();
  }
}

/**
 * Records a group's alerts and the lifecycle steps they caused. Once this returns, every alert is
 * in the audit trail, which is when the webhook may answer 2xx. A resolution is complete by then
 * too: the proposals still waiting are withdrawn in the same step, so no click can run them after.
 * Idempotent: a redelivery writes nothing new.
 */
export async function recordAlerts(deps: Deps, input: readonly Alert[]): Promise<RecordedAlert[]> {
  const bounded = input.map(boundAlert);
  const alerts = bounded.map((b) => b.alert);
  const clipped = bounded.map((b) => b.clipped);
  const joined = await joinKnownIncident(deps, alerts);
  if ('incident' in joined) {
    await auditAlerts(deps, joined.incident, alerts, joined.effects, clipped, true);
    if (joined.effects.some((e) => e !== 'unchanged')) deps.incidents.remember(joined.incident);
    return joined.effects.map((effect) => ({ incidentId: joined.incident.id, effect }));
  }
  const done = new Set<string>();
  const { incident, effects } = await storeGroup(deps, alerts, (into, applied, whole) => auditAlerts(deps, into, alerts, applied, clipped, whole, done), joined.unclaimed, joined.reservedId);
  if (!incident) return alerts.map(() => ({ incidentId: '', effect: 'ignored' }));
  // A reopening or a resolution is complete before the answer (no click may run a proposal of a
  // resolved incident); an opening is recorded by incident processing, right after.
  if (effects.some((e) => e === 'reopened' || e === 'resolved')) await auditLifecycle(deps, incident);
  if (incident.status === 'resolved') await withdrawWaitingProposals(deps, incident);
  return effects.map((effect) => (effect === 'ignored' ? { incidentId: '', effect } : { incidentId: incident.id, effect }));
}

/** Records one alert (a /remediate request, a single webhook alert). */
export async function recordAlert(deps: Deps, alert: Alert): Promise<RecordedAlert> {
  return (await recordAlerts(deps, [alert]))[0] as RecordedAlert;
}

/**
 * Ingests a batch (one webhook). Returns once every alert is durably stored and audited, which is
 * when the webhook may answer 2xx; the incident item, diagnostics, proposals and Slack follow in
 * the background.
 */
export async function ingestAlerts(deps: Deps & Pick<ServiceDeps, 'workflow'>, alerts: readonly Alert[]): Promise<RecordedAlert[]> {
  // One write per group: Alertmanager sends a whole group in one webhook, and a group of hundreds
  // of alerts written one by one would rewrite its incident hundreds of times.
  const groups = new Map<string, Alert[]>();
  for (const alert of alerts) {
    const group = groups.get(alert.groupKey);
    if (group) group.push(alert);
    else groups.set(alert.groupKey, [alert]);
  }
  const results: RecordedAlert[] = [];
  const stored = deps.workflow.alertsArriving();
  try {
    for (const group of groups.values()) results.push(...(await recordAlerts(deps, group)));
  } finally {
    stored();
  }
  // Redeliveries too: processing is idempotent, and it completes work an earlier crash interrupted.
  const touched = new Set(results.filter((r) => r.effect !== 'ignored').map((r) => r.incidentId));
  for (const id of touched) deps.workflow.incidentChanged(id);
  return results;
}
