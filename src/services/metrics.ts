/** What the services count. The Prometheus implementation lives in adapters/http. */
export interface Metrics {
  alertReceived(source: string): void;
  /** A delivery of alerts was accepted (redeliveries too): the heartbeat that alerts still arrive. */
  alertsDelivered(): void;
  incidentOpened(): void;
  /** An action finished: `success`, `failure` or `dry_run`, per runbook. */
  action(outcome: string, runbook: string): void;
  /** A call to the automation service (SSM) is retried after a transient error. */
  actionRetry(operation: string): void;
  /** A pending approval expired with nobody deciding. */
  approvalExpired(runbook: string): void;
  auditWrite(seconds: number, ok: boolean): void;
  guardRefused(guard: string): void;
  jobRun(job: string, outcome: 'success' | 'failure' | 'lease_error'): void;
  /** Escalations: what (a reason, or a PagerDuty action) and how it went (queued, delivered, failed). */
  escalation(what: string, outcome: string): void;
  /** One Slack Web API call made by delivery, and how Slack answered (ok, rate_limited, unknown, refused). */
  slackCall(method: string, outcome: string): void;
  /** A message or event given up on: audited as delivery_failed, counted here. */
  deliveryFailed(to: 'slack' | 'pagerduty', what: string): void;
  /** A subscriber of the live audit stream read too slowly and was dropped (its buffer was full). */
  eventStreamDropped(): void;
}

export const noMetrics: Metrics = {
  alertReceived: () => undefined,
  incidentOpened: () => undefined,
  alertsDelivered: () => undefined,
  action: () => undefined,
  actionRetry: () => undefined,
  approvalExpired: () => undefined,
  auditWrite: () => undefined,
  guardRefused: () => undefined,
  jobRun: () => undefined,
  escalation: () => undefined,
  slackCall: () => undefined,
  deliveryFailed: () => undefined,
  eventStreamDropped: () => undefined,
};
