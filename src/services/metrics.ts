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
  /** A Slack call failed for good (after the outbox's own retries). */
  slackDeliveryFailed(method: string): void;
  /** A pending approval expired with nobody deciding. */
  approvalExpired(runbook: string): void;
  auditWrite(seconds: number, ok: boolean): void;
  guardRefused(guard: string): void;
  jobRun(job: string, outcome: 'success' | 'failure' | 'lease_error'): void;
  /** Escalations: what (a reason, or a PagerDuty action) and how it went (queued, delivered, failed). */
  escalation(what: string, outcome: string): void;
}

export const noMetrics: Metrics = {
  alertReceived: () => undefined,
  incidentOpened: () => undefined,
  alertsDelivered: () => undefined,
  action: () => undefined,
  actionRetry: () => undefined,
  slackDeliveryFailed: () => undefined,
  approvalExpired: () => undefined,
  auditWrite: () => undefined,
  guardRefused: () => undefined,
  jobRun: () => undefined,
  escalation: () => undefined,
};
