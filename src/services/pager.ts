/** Severity as PagerDuty's Events API v2 takes it. */
export type PageSeverity = 'critical' | 'error' | 'warning' | 'info';

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
 * What the services know of PagerDuty: whether paging is on, and who is on call. Pages themselves
 * are audit records (`escalation.triggered`) that PagerDuty delivery sends from the trail, so the
 * services never wait on PagerDuty and a crash cannot lose a page.
 */
export interface Pager {
  /** PAGERDUTY_ROUTING_KEY is set: escalations page. */
  readonly enabled: boolean;
  /** True when `onCall` can ask PagerDuty (PAGERDUTY_API_TOKEN is set), even if paging is off. */
  readonly onCallEnabled?: boolean;
  /** Who is on call now (PagerDuty REST `GET /oncalls`); empty when not configured. */
  onCall(): Promise<OnCall[]>;
}

export const disabledPager: Pager = { enabled: false, onCall: async () => [] };

/** Alert severities mapped to PagerDuty's four. */
export function pageSeverity(severity: string): PageSeverity {
  const s = severity.toLowerCase();
  if (s === 'critical' || s === 'page') return 'critical';
  if (s === 'error' || s === 'high') return 'error';
  if (s === 'warning' || s === 'medium' || s === 'warn') return 'warning';
  return 'info';
}
