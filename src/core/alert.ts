/** Where an alert came from. Runbooks may match on it. */
export type AlertSource = 'alertmanager' | 'cloudwatch' | 'generic';
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

const severityOrder = ['critical', 'error', 'high', 'warning', 'medium', 'info', 'low', 'none'];

/** Lower is more severe; unknown severities sort after the known ones. */
export function severityRank(severity: string): number {
  const i = severityOrder.indexOf(severity.toLowerCase());
  return i === -1 ? severityOrder.length : i;
}

export function mostSevere(a: string, b: string): string {
  return severityRank(a) <= severityRank(b) ? a : b;
}
