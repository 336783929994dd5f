/** Severity as PagerDuty's Events API v2 takes it. */
export type PageSeverity = 'critical' | 'error' | 'warning' | 'info';

export interface PageTrigger {
  /** The incident id: PagerDuty's dedup_key, the same for every event of one incident. */
  incidentId: string;
  summary: string;
  severity: PageSeverity;
  source: string;
  component?: string;
  customDetails?: Record<string, unknown>;
  links?: { href: string; text: string }[];
}

export interface OnCall {
  name: string;
  email?: string;
  escalationPolicy?: string;
  escalationLevel?: number;
  schedule?: string;
  /** Slack user id, where users.lookupByEmail found one. */
  slackUserId?: string;
}

export type PageAction = 'trigger' | 'acknowledge' | 'resolve';

/**
 * Paging the on-call. Events are queued and delivered in the background with bounded retries on
 * 429/5xx, so paging never blocks ingestion or a Slack ack. `onOutcome` (set by the composition
 * root) hears about each event's final delivery, so failures are audited and shown in the thread.
 */
export interface Pager {
  readonly enabled: boolean;
  /** True when `onCall` can ask PagerDuty (PAGERDUTY_API_TOKEN is set), even if paging is off. */
  readonly onCallEnabled?: boolean;
  trigger(event: PageTrigger): void;
  acknowledge(incidentId: string): void;
  resolve(incidentId: string): void;
  /** Who is on call now (PagerDuty REST `GET /oncalls`); empty when not configured. */
  onCall(): Promise<OnCall[]>;
  /** Events queued or being retried. */
  depth(): number;
  /** Resolves when the queue is empty: tests and shutdown. */
  drain(): Promise<void>;
  /** Shutdown: stops sending and returns the events not delivered, for the audit trail. */
  stop(): PageOutcome[];
}

export type PageOutcome = { incidentId: string; action: PageAction; delivered: boolean; attempts: number; error?: string };

export const disabledPager: Pager = {
  enabled: false,
  trigger: () => undefined,
  acknowledge: () => undefined,
  resolve: () => undefined,
  onCall: async () => [],
  depth: () => 0,
  drain: async () => undefined,
  stop: () => [],
};

/** Alert severities mapped to PagerDuty's four. */
export function pageSeverity(severity: string): PageSeverity {
  const s = severity.toLowerCase();
  if (s === 'critical' || s === 'page') return 'critical';
  if (s === 'error' || s === 'high') return 'error';
  if (s === 'warning' || s === 'medium' || s === 'warn') return 'warning';
  return 'info';
}
