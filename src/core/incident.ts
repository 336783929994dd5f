import type { Alert, AlertSource, AlertStatus } from './alert.js';
import { mostSevere } from './alert.js';

export type IncidentStatus = 'open' | 'acknowledged' | 'mitigating' | 'resolved';

/** A re-fire within this window reopens the resolved incident instead of opening a new one (DESIGN §2.3). */
export const REOPEN_WINDOW_MS = 10 * 60 * 1000;

export interface IncidentAlert {
  fingerprint: string;
  name: string;
  status: AlertStatus;
  severity: string;
  summary: string;
  source: AlertSource;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
  endsAt?: string;
  generatorURL?: string;
  lastReceivedAt: string;
  /** Kept without labels and annotations: the incident had grown large (DETAILED_ALERT_BYTES). */
  compact?: boolean;
}

export interface Incident {
  /** Short id a person can type: INC-42. */
  id: string;
  groupKey: string;
  status: IncidentStatus;
  title: string;
  severity: string;
  service?: string;
  source: AlertSource;
  /** Slack channel of its thread (the root message and what it shows are delivery's, see ChatState). */
  channel?: string;
  alerts: Record<string, IncidentAlert>;
  /**
   * Set once an alert arrived that the item had no room for (MAX_ALERT_BYTES): it is in the audit
   * trail only. Such an incident does not resolve by itself, since untracked alerts may still fire.
   */
  alertsOverflow?: boolean;
  /**
   * Alerts of the group that the sender's latest notification left out (Alertmanager's
   * `truncatedAlerts`). While above 0 the incident does not resolve by itself: those may still fire.
   */
  alertsOmitted?: number;
  openedAt: string;
  updatedAt: string;
  acknowledgedAt?: string;
  acknowledgedBy?: string;
  resolvedAt?: string;
  /**
   * The audit seq up to which the incident's `alert.received` records are applied to it. Alerts
   * are durable once their record is written; the incident item follows from the trail.
   */
  foldedSeq?: number;
  /** Incremented on every reopen; proposals of one round are not repeated in the next. */
  round: number;
  /** Optimistic-lock version: every write is conditional on it. */
  version: number;
}

export function formatIncidentId(n: number): string {
  return `INC-${n}`;
}

export function isIncidentId(value: string): boolean {
  return /^INC-\d{1,12}$/.test(value);
}

/**
 * An incident is one DynamoDB item, and an item stops at 400 KB. Alerts are kept in full while the
 * incident's alerts stay under DETAILED_ALERT_BYTES; after that new alerts are kept compact (no labels
 * or annotations, so no runbook is matched for them); past MAX_ALERT_BYTES they are only counted.
 * Every alert is in the audit trail either way.
 */
export const DETAILED_ALERT_BYTES = 150_000;
export const MAX_ALERT_BYTES = 300_000;
const MAX_TEXT = 1024;

const clip = (text: string) => (text.length > MAX_TEXT ? `${text.slice(0, MAX_TEXT - 1)}…` : text);

/**
 * The size each applied alerts map was left at, so the next batch of a storm does not serialise
 * the incident's alerts again. Alerts maps are never changed in place (applying an alert makes a
 * new one), so a size noted for one stays true.
 */
const knownSizes = new WeakMap<Incident['alerts'], number>();

export function alertsBytes(incident: Pick<Incident, 'alerts'>): number {
  const known = knownSizes.get(incident.alerts);
  if (known !== undefined) return known;
  const bytes = JSON.stringify(incident.alerts).length;
  knownSizes.set(incident.alerts, bytes);
  return bytes;
}

/** True for an alert kept without labels and annotations. */
export function isCompactAlert(alert: IncidentAlert): boolean {
  return alert.compact === true;
}

function toIncidentAlert(alert: Alert, now: Date, compact = false): IncidentAlert {
  const out: IncidentAlert = {
    fingerprint: alert.fingerprint,
    name: alert.name,
    status: alert.status,
    severity: alert.severity,
    summary: clip(alert.summary),
    source: alert.source,
    labels: compact ? {} : alert.labels,
    annotations: compact ? {} : Object.fromEntries(Object.entries(alert.annotations).map(([k, v]) => [k, clip(v)])),
    startsAt: alert.startsAt,
    lastReceivedAt: now.toISOString(),
  };
  if (compact) out.compact = true;
  if (alert.endsAt) out.endsAt = alert.endsAt;
  if (alert.generatorURL) out.generatorURL = alert.generatorURL;
  return out;
}

/** A new incident for the first alert of a group. */
export function newIncident(id: string, alert: Alert, now: Date): Incident {
  const incident: Incident = {
    id,
    groupKey: alert.groupKey,
    status: alert.status === 'resolved' ? 'resolved' : 'open',
    title: alert.summary || alert.name,
    severity: alert.severity,
    source: alert.source,
    alerts: { [alert.fingerprint]: toIncidentAlert(alert, now) },
    openedAt: now.toISOString(),
    updatedAt: now.toISOString(),
    round: 0,
    version: 0,
  };
  if (alert.service) incident.service = alert.service;
  if (alert.channel) incident.channel = alert.channel;
  if (alert.omittedFromGroup) incident.alertsOmitted = alert.omittedFromGroup;
  if (incident.status === 'resolved') incident.resolvedAt = now.toISOString();
  return incident;
}

export type AlertEffect =
  | 'unchanged' // a redelivery: nothing new
  | 'alert-added'
  | 'alert-updated'
  /** No room left in the incident for this alert: it is in the audit trail only. */
  | 'untracked'
  | 'resolved' // this alert was the last one firing
  | 'reopened';

/** Whether a resolved incident should take this firing alert back (reopen) rather than a new incident. */
export function canReopen(incident: Incident, now: Date): boolean {
  if (incident.status !== 'resolved' || !incident.resolvedAt) return false;
  return now.getTime() - Date.parse(incident.resolvedAt) <= REOPEN_WINDOW_MS;
}

/**
 * Applies one alert to its incident. Pure: returns the next incident (version not bumped; the store
 * does that) and what changed, so the caller audits and notifies only on real changes.
 */
/**
 * Whether `alert` is older news than what the incident holds for it: a firing redelivered after
 * its resolution (SNS, a second Alertmanager), or a resolution of an earlier episode arriving after
 * a newer firing. Acting on it would reopen, or resolve, on stale information.
 */
function isStale(previous: IncidentAlert | undefined, alert: Alert): boolean {
  if (!previous || previous.status === alert.status) return false;
  const before = Date.parse(previous.startsAt);
  const now = Date.parse(alert.startsAt);
  if (Number.isNaN(before) || Number.isNaN(now)) return false;
  return alert.status === 'firing' ? now <= before : now < before;
}

export function applyAlert(incident: Incident, alert: Alert, now: Date, knownBytes?: number): { incident: Incident; effect: AlertEffect; bytes: number } {
  return applyAlertSized(incident, alert, now, knownBytes ?? alertsBytes(incident));
}

/**
 * applyAlert with the size of `incident.alerts` (as JSON) passed in and returned, so applying a
 * whole group's alerts in a row costs no re-serialisation per alert. The size is an estimate kept
 * by adding each stored alert's own size: it only ever decides when to keep alerts compact.
 */
function applyAlertSized(incident: Incident, alert: Alert, now: Date, bytes: number): { incident: Incident; effect: AlertEffect; bytes: number } {
  const applied = applyAlertItself(withOmitted(incident, alert, now), alert, now, bytes);
  if (applied.incident.alerts !== incident.alerts) knownSizes.set(applied.incident.alerts, applied.bytes);
  if (applied.effect !== 'unchanged' || applied.incident === incident) return applied;
  // Only the count of left-out alerts changed: keep it, and resolve if it was all that held the incident open.
  return settleOmitted(applied.incident, now, bytes);
}

/** The incident with the sender's latest count of left-out alerts (unchanged when it cannot say). */
function withOmitted(incident: Incident, alert: Alert, now: Date): Incident {
  if (alert.omittedFromGroup === undefined || alert.omittedFromGroup === (incident.alertsOmitted ?? 0)) return incident;
  const next = { ...incident, updatedAt: now.toISOString() };
  if (alert.omittedFromGroup > 0) next.alertsOmitted = alert.omittedFromGroup;
  else delete next.alertsOmitted;
  return next;
}

function settleOmitted(incident: Incident, now: Date, bytes: number): { incident: Incident; effect: AlertEffect; bytes: number } {
  if (incident.status !== 'resolved' && !incident.alertsOmitted && !incident.alertsOverflow && firingAlerts(incident).length === 0) {
    return { incident: { ...incident, status: 'resolved', resolvedAt: now.toISOString() }, effect: 'resolved', bytes };
  }
  return { incident, effect: 'alert-updated', bytes };
}

function applyAlertItself(incident: Incident, alert: Alert, now: Date, bytes: number): { incident: Incident; effect: AlertEffect; bytes: number } {
  const previous = incident.alerts[alert.fingerprint];
  if (isStale(previous, alert)) return { incident, effect: 'unchanged', bytes };
  if (previous && previous.status === alert.status && incident.status !== 'resolved') {
    return { incident, effect: 'unchanged', bytes };
  }
  if (previous && previous.status === alert.status && alert.status === 'resolved') {
    return { incident, effect: 'unchanged', bytes };
  }
  if (!previous && bytes >= MAX_ALERT_BYTES) {
    // No room left in the item: the alert is audited, and the incident remembers it overflowed.
    if (incident.alertsOverflow || alert.status === 'resolved') return { incident, effect: 'untracked', bytes };
    return { incident: { ...incident, alertsOverflow: true, updatedAt: now.toISOString() }, effect: 'untracked', bytes };
  }
  const compact = previous ? isCompactAlert(previous) : bytes >= DETAILED_ALERT_BYTES;
  const stored = toIncidentAlert(alert, now, compact);
  const size = JSON.stringify(stored).length;
  bytes = previous ? bytes : bytes + size + alert.fingerprint.length + 4;
  const next: Incident = {
    ...incident,
    alerts: { ...incident.alerts, [alert.fingerprint]: stored },
    updatedAt: now.toISOString(),
  };
  if (alert.status === 'firing') next.severity = mostSevere(incident.severity, alert.severity);

  if (incident.status === 'resolved') {
    if (alert.status === 'resolved') return { incident: next, effect: 'alert-updated', bytes };
    next.status = 'open';
    delete next.resolvedAt;
    delete next.acknowledgedAt;
    delete next.acknowledgedBy;
    next.round = incident.round + 1;
    return { incident: next, effect: 'reopened', bytes };
  }
  const stillFiring = alert.status === 'firing' || Object.values(next.alerts).some((a) => a.status === 'firing');
  if (!stillFiring && !next.alertsOverflow && !next.alertsOmitted) {
    next.status = 'resolved';
    next.resolvedAt = now.toISOString();
    return { incident: next, effect: 'resolved', bytes };
  }
  return { incident: next, effect: previous ? 'alert-updated' : 'alert-added', bytes };
}

export function firingAlerts(incident: Incident): IncidentAlert[] {
  return Object.values(incident.alerts).filter((a) => a.status === 'firing');
}

export type TransitionResult = { ok: true; incident: Incident } | { ok: false; reason: string };

/** open → acknowledged. Acknowledging twice is refused with who did it first. */
export function acknowledgeIncident(incident: Incident, userId: string, now: Date): TransitionResult {
  if (incident.status === 'resolved') return { ok: false, reason: `${incident.id} is already resolved` };
  if (incident.acknowledgedAt) return { ok: false, reason: `${incident.id} was already acknowledged by <@${incident.acknowledgedBy ?? '?'}> at ${incident.acknowledgedAt}` };
  const next: Incident = { ...incident, acknowledgedAt: now.toISOString(), acknowledgedBy: userId, updatedAt: now.toISOString() };
  if (incident.status === 'open') next.status = 'acknowledged';
  return { ok: true, incident: next };
}

/** A person closes the incident, alerts or not. */
export function resolveIncidentManually(incident: Incident, now: Date): TransitionResult {
  if (incident.status === 'resolved') return { ok: false, reason: `${incident.id} is already resolved (${incident.resolvedAt})` };
  return { ok: true, incident: { ...incident, status: 'resolved', resolvedAt: now.toISOString(), updatedAt: now.toISOString() } };
}

/** While an action runs the incident is mitigating; afterwards it falls back to acknowledged or open. */
export function withMitigation(incident: Incident, running: boolean): Incident | undefined {
  if (incident.status === 'resolved') return undefined;
  const status = running ? 'mitigating' : incident.acknowledgedAt ? 'acknowledged' : 'open';
  return status === incident.status ? undefined : { ...incident, status };
}
