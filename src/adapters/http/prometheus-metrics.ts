import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Metrics } from '../../services/metrics.js';
import type { KillSwitch } from '../../services/ports.js';

export interface PrometheusMetricsOptions {
  defaultMetrics?: boolean;
  /** Incidents with PagerDuty events still to send, on the replica delivering. */
  pagerQueueDepth?: () => number;
  /** Incidents with Slack messages still to post or update, on the replica delivering. */
  slackQueueDepth?: () => number;
  /** 1 while this replica is the one delivering to Slack and PagerDuty (it holds the delivery leases). */
  delivering?: () => boolean;
  /** Unresolved incidents per state, read from the store at each scrape. */
  incidentsByState?: () => Promise<Record<string, number>>;
  /** Active cooldowns with their remaining seconds, read from the store at each scrape. */
  cooldowns?: () => Promise<{ runbook: string; target: string; remainingSeconds: number }[]>;
  /** Engaged kill switches, read from the store at each scrape (so every replica shows every switch). */
  killSwitches?: () => Promise<KillSwitch[]>;
  /** Subscribers of /api/events connected to this replica. */
  eventStreamSubscribers?: () => number;
  /** Milliseconds since the epoch, for the last-alert heartbeat. */
  now?: () => number;
}

/** A registry per bot instance (not prom-client's global), so tests can run several bots. */
export function createPrometheusMetrics(options: PrometheusMetricsOptions = {}): Metrics & { registry: Registry } {
  const { defaultMetrics = true, pagerQueueDepth, slackQueueDepth, delivering, incidentsByState, cooldowns, killSwitches, eventStreamSubscribers } = options;
  const now = options.now ?? Date.now;
  const registry = new Registry();
  if (defaultMetrics) collectDefaultMetrics({ register: registry, prefix: 'chatops_' });
  const alerts = new Counter({ name: 'chatops_alerts_received_total', help: 'Alerts accepted and stored, by source', labelNames: ['source'], registers: [registry] });
  const lastAlert = new Gauge({
    name: 'chatops_last_alert_timestamp_seconds',
    help: 'When this replica last accepted a delivery of alerts, redeliveries included (its start time until the first): the heartbeat that alerts still arrive',
    registers: [registry],
  });
  // From the start, so "no alert for N hours" also fires for a bot that never received one.
  lastAlert.set(now() / 1000);
  const incidents = new Counter({ name: 'chatops_incidents_opened_total', help: 'Incidents opened', registers: [registry] });
  const actions = new Counter({ name: 'chatops_actions_total', help: 'Actions finished, by runbook and outcome (success, failure, dry_run)', labelNames: ['runbook', 'outcome'], registers: [registry] });
  const retries = new Counter({ name: 'chatops_action_retries_total', help: 'Automation (SSM) calls retried after a transient error, by operation', labelNames: ['operation'], registers: [registry] });
  const expiredApprovals = new Counter({ name: 'chatops_approvals_expired_total', help: 'Pending approvals that expired with nobody deciding, by runbook', labelNames: ['runbook'], registers: [registry] });
  if (killSwitches) {
    new Gauge({
      name: 'chatops_kill_switch_engaged',
      help: 'Kill switches engaged (1 while engaged), by scope; read from the store at each scrape',
      labelNames: ['scope'],
      registers: [registry],
      async collect() {
        // A store that does not answer leaves the last values; /readyz reports the outage.
        const engaged = await killSwitches().catch(() => undefined);
        if (!engaged) return;
        this.reset();
        for (const sw of engaged) this.set({ scope: sw.scope }, 1);
      },
    });
  }
  const guards = new Counter({ name: 'chatops_guard_refusals_total', help: 'Actions refused by a guard, by guard', labelNames: ['guard'], registers: [registry] });
  const jobRuns = new Counter({ name: 'chatops_job_runs_total', help: 'Scheduled job ticks run by this replica, by job and outcome', labelNames: ['job', 'outcome'], registers: [registry] });
  const slackCalls = new Counter({ name: 'chatops_slack_calls_total', help: 'Slack Web API calls made by delivery, by method and outcome (ok, rate_limited, unknown, refused)', labelNames: ['method', 'outcome'], registers: [registry] });
  const slackFailures = new Counter({ name: 'chatops_slack_delivery_failures_total', help: 'Slack messages given up on (Slack refused them); each is audited as chat.delivery_failed', labelNames: ['what'], registers: [registry] });
  const pagerFailures = new Counter({ name: 'chatops_pagerduty_delivery_failures_total', help: 'PagerDuty events given up on; each is audited as escalation.delivery_failed', labelNames: ['what'], registers: [registry] });
  const escalations = new Counter({ name: 'chatops_escalations_total', help: 'Escalations queued, and PagerDuty events delivered or failed', labelNames: ['what', 'outcome'], registers: [registry] });
  if (pagerQueueDepth) {
    new Gauge({
      name: 'chatops_pagerduty_queue_depth',
      help: 'Incidents with PagerDuty events still to deliver, on the replica delivering (a growing value means PagerDuty is not taking them)',
      registers: [registry],
      collect() {
        this.set(pagerQueueDepth());
      },
    });
  }
  if (slackQueueDepth) {
    new Gauge({
      name: 'chatops_slack_queue_depth',
      help: 'Incidents with Slack messages still to post or update, on the replica delivering (a storm in one channel drains at about one post a second)',
      registers: [registry],
      collect() {
        this.set(slackQueueDepth());
      },
    });
  }
  if (delivering) {
    new Gauge({
      name: 'chatops_delivering',
      help: '1 on the replica delivering to Slack and PagerDuty now (one at a time); 0 on the others',
      registers: [registry],
      collect() {
        this.set(delivering() ? 1 : 0);
      },
    });
  }
  const streamDrops = new Counter({ name: 'chatops_event_stream_dropped_total', help: 'Subscribers of /api/events dropped because they read more slowly than records arrived (their buffer filled)', registers: [registry] });
  if (eventStreamSubscribers) {
    new Gauge({
      name: 'chatops_event_stream_subscribers',
      help: 'Subscribers of /api/events connected to this replica',
      registers: [registry],
      collect() {
        this.set(eventStreamSubscribers());
      },
    });
  }
  if (incidentsByState) {
    new Gauge({
      name: 'chatops_incidents',
      help: 'Unresolved incidents by state (open, acknowledged, mitigating)',
      labelNames: ['state'],
      registers: [registry],
      async collect() {
        // A store that does not answer leaves the last values; /readyz reports the outage.
        const counts = await incidentsByState().catch(() => undefined);
        if (!counts) return;
        for (const [state, n] of Object.entries(counts)) this.set({ state }, n);
      },
    });
  }
  if (cooldowns) {
    new Gauge({
      name: 'chatops_cooldown_remaining_seconds',
      help: 'Seconds until a runbook may run again on a target',
      labelNames: ['runbook', 'target'],
      registers: [registry],
      async collect() {
        const active = await cooldowns().catch(() => undefined);
        if (!active) return;
        this.reset();
        for (const c of active) this.set({ runbook: c.runbook, target: c.target }, c.remainingSeconds);
      },
    });
  }
  const auditWrites = new Histogram({
    name: 'chatops_audit_write_seconds',
    help: 'Latency of audit appends (hash-chained conditional puts)',
    labelNames: ['ok'],
    // 0.2 is the SLO's threshold (p95 < 200 ms): the rules count writes under it exactly.
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  });
  return {
    registry,
    alertReceived: (source) => alerts.inc({ source }),
    alertsDelivered: () => lastAlert.set(now() / 1000),
    incidentOpened: () => incidents.inc(),
    action: (outcome, runbook) => actions.inc({ runbook, outcome }),
    actionRetry: (operation) => retries.inc({ operation }),
    approvalExpired: (runbook) => expiredApprovals.inc({ runbook }),
    auditWrite: (seconds, ok) => auditWrites.observe({ ok: String(ok) }, seconds),
    guardRefused: (guard) => guards.inc({ guard }),
    jobRun: (job, outcome) => jobRuns.inc({ job, outcome }),
    escalation: (what, outcome) => escalations.inc({ what, outcome }),
    slackCall: (method, outcome) => slackCalls.inc({ method, outcome }),
    deliveryFailed: (to, what) => (to === 'slack' ? slackFailures : pagerFailures).inc({ what }),
    eventStreamDropped: () => streamDrops.inc(),
  };
}
