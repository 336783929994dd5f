import { createHash } from 'node:crypto';

/** Where an alert came from. Runbooks may match on it. */
/** `schedule`: a scheduled runbook's run (its own incident per run); no webhook sends it. */
export type AlertSource = 'alertmanager' | 'cloudwatch' | 'eventbridge' | 'generic' | 'schedule';

export const ALERT_SOURCES: readonly AlertSource[] = ['alertmanager', 'cloudwatch', 'eventbridge', 'generic', 'schedule'];
export type AlertStatus = 'firing' | 'resolved';

/**
 * One alert, normalised from any source. `groupKey` decides the incident it belongs to
 * (an Alertmanager group, a CloudWatch alarm, a generic fingerprint); `fingerprint` identifies
 * the alert inside that group, so a redelivery updates it instead of adding a second one.
 */
export interface Alert {
  source: AlertSource;
  groupKey: string;
  fingerprint: string;
  name: string;
  status: AlertStatus;
  severity: string;
  service?: string;
  resource?: string;
  summary: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
  endsAt?: string;
  generatorURL?: string;
  /** Slack channel from the `slack_channel` label, overriding SLACK_INCIDENT_CHANNEL. */
  channel?: string;
  /**
   * How many alerts of this alert's group the sender left out of the notification it came in
   * (Alertmanager's `truncatedAlerts`, set by `max_alerts`). Undefined when the sender cannot say.
   */
  omittedFromGroup?: number;
}

/**
 * How much of an alert is kept. Senders can put anything in labels and annotations (a stack trace in
 * a summary, thousands of labels); an alert is stored whole in its audit record and in its
 * incident, so each part is bounded: past a bound it is clipped with a visible marker and the
 * record says what was clipped. No payload can then make a group's writes fail forever.
 */
export const ALERT_LIMITS = {
  text: 2048,
  name: 256,
  key: 512,
  labels: 64,
  labelKey: 128,
  labelValue: 1024,
  annotations: 32,
  annotationValue: 4096,
} as const;

function clipText(text: string, limit: number): string {
  return text.length <= limit ? text : `${text.slice(0, limit - 40)}… [${text.length - limit + 40} more characters]`;
}

/** A key (group, fingerprint) too long to keep whole: its start and a digest, so it stays unique. */
function clipKey(key: string): string {
  if (key.length <= ALERT_LIMITS.key) return key;
  return `${key.slice(0, ALERT_LIMITS.key - 20)}…#${createHash('sha256').update(key).digest('hex').slice(0, 16)}`;
}

function clipMap(map: Record<string, string>, entries: number, valueLimit: number, field: string, clipped: string[]): Record<string, string> {
  const keys = Object.keys(map);
  if (keys.length > entries) clipped.push(`${field} (${keys.length - entries} of ${keys.length} left out)`);
  const out: Record<string, string> = {};
  for (const k of keys.slice(0, entries)) {
    const key = k.length > ALERT_LIMITS.labelKey ? clipText(k, ALERT_LIMITS.labelKey) : k;
    const value = map[k] ?? '';
    if (key !== k || value.length > valueLimit) clipped.push(`${field}.${key}`);
    out[key] = clipText(value, valueLimit);
  }
  return out;
}

/** The alert within ALERT_LIMITS, and which of its fields were clipped. */
export function boundAlert(alert: Alert): { alert: Alert; clipped: string[] } {
  const clipped: string[] = [];
  const text = (value: string, limit: number, field: string) => {
    if (value.length > limit) clipped.push(field);
    return clipText(value, limit);
  };
  const key = (value: string, field: string) => {
    if (value.length > ALERT_LIMITS.key) clipped.push(field);
    return clipKey(value);
  };
  const out: Alert = {
    ...alert,
    groupKey: key(alert.groupKey, 'groupKey'),
    fingerprint: key(alert.fingerprint, 'fingerprint'),
    name: text(alert.name, ALERT_LIMITS.name, 'name'),
    severity: text(alert.severity, ALERT_LIMITS.name, 'severity'),
    summary: text(alert.summary, ALERT_LIMITS.text, 'summary'),
    labels: clipMap(alert.labels, ALERT_LIMITS.labels, ALERT_LIMITS.labelValue, 'labels', clipped),
    annotations: clipMap(alert.annotations, ALERT_LIMITS.annotations, ALERT_LIMITS.annotationValue, 'annotations', clipped),
  };
  if (alert.service !== undefined) out.service = text(alert.service, ALERT_LIMITS.name, 'service');
  if (alert.resource !== undefined) out.resource = text(alert.resource, ALERT_LIMITS.labelValue, 'resource');
  if (alert.generatorURL !== undefined) out.generatorURL = text(alert.generatorURL, ALERT_LIMITS.text, 'generatorURL');
  return clipped.length === 0 ? { alert, clipped } : { alert: out, clipped };
}

/**
 * Group keys and fingerprints of `/remediate` requests start with this: such an alert carries its
 * own proposal and is never matched against the catalogue.
 */
export const MANUAL_PREFIX = 'manual:';

/** The same for a scheduled runbook's run: it carries its own proposals, one per target. */
export const SCHEDULE_PREFIX = 'schedule:';

const severityOrder = ['critical', 'error', 'high', 'warning', 'medium', 'info', 'low', 'none'];

/** Lower is more severe; unknown severities sort after the known ones. */
export function severityRank(severity: string): number {
  const i = severityOrder.indexOf(severity.toLowerCase());
  return i === -1 ? severityOrder.length : i;
}

export function mostSevere(a: string, b: string): string {
  return severityRank(a) <= severityRank(b) ? a : b;
}
