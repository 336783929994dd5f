import type { WebClient } from '@slack/web-api';
import type { Logger } from 'pino';
import type { Catalogue } from '../config/load-catalogue.js';
import type { Config } from '../config/schema.js';
import type { Stores } from '../adapters/stores/index.js';
import { createDeliveryDriver } from '../adapters/delivery/delivery-driver.js';
import type { DeliveryDriver } from '../adapters/delivery/delivery-driver.js';
import { createSlackApi } from '../adapters/slack/delivery/slack-api.js';
import { createSlackDelivery } from '../adapters/slack/delivery/slack-delivery.js';
import { renderPromqlChart } from '../adapters/charts/promql-chart.js';
import type { PacerOptions } from '../adapters/slack/delivery/pacer.js';
import { createEventsClient } from '../adapters/pagerduty/events-client.js';
import { createPagerDutyDelivery } from '../adapters/pagerduty/pagerduty-delivery.js';
import type { AuditLog } from '../services/audit-log.js';
import type { Metrics } from '../services/metrics.js';
import type { Pager } from '../services/pager.js';
import type { Clock } from '../services/ports.js';

/** Timings tests and benches shorten; production uses the defaults. */
export interface DeliveryTuning {
  slackPacing?: Partial<PacerOptions>;
  slackBackoff?: { baseMs: number; maxMs: number };
  pagerdutyBackoff?: { baseMs: number; maxMs: number; rateLimitedMs: number };
  /** A PagerDuty event not taken after this long is given up on (default 1 h). */
  pagerdutyGiveUpAfterMs?: number;
  /** The delivery lease (default 15 s): how soon another replica takes over after a crash. */
  leaseMs?: number;
  /** How often other replicas' records are read from the time index (default 1 s). */
  pollMs?: number;
  /** How long a Slack Web API call may take before it counts as unanswered (default 10 s). */
  slackRequestTimeoutMs?: number;
  /** How long after a change an incident's messages are looked at for an update (default 1 s): a burst costs one update. */
  slackUpdateSettleMs?: number;
}

export interface DeliveryOptions {
  config: Pick<Config, 'PAGERDUTY_ROUTING_KEY' | 'PAGERDUTY_EVENTS_URL' | 'SLACK_INCIDENT_CHANNEL'>;
  stores: Pick<Stores, 'incidents' | 'proposals' | 'audit' | 'deliveries' | 'leases'>;
  auditLog: AuditLog;
  catalogue: Pick<Catalogue, 'byId'>;
  /** Slack's Web API client; without it nothing is posted. */
  webClient?: WebClient;
  pager: Pager;
  clock: Clock;
  log: Logger;
  metrics: Metrics;
  replicaId: string;
  tuning?: DeliveryTuning;
}

export interface Delivery {
  /** Resolves when Slack and PagerDuty are caught up with the store: for tests. */
  idle(): Promise<void>;
  /** Incidents with something still to show in Slack, or to send to PagerDuty. */
  backlog(): { slack: number; pagerduty: number };
  /** Whether this replica is the one delivering now (holds the delivery leases). */
  delivering(): boolean;
  /** Finishes what is in flight and hands the leases over. */
  close(): Promise<void>;
}

/**
 * Slack and PagerDuty as projections of the store (DESIGN §4.1): each deliverer runs on one replica
 * at a time and follows the audit trail; remediation never waits on either.
 */
export function startDelivery(options: DeliveryOptions): Delivery {
  const { stores, clock, log, metrics, tuning = {} } = options;
  const drive = (name: string, sink: Parameters<typeof createDeliveryDriver>[0]['sink']): DeliveryDriver =>
    createDeliveryDriver({
      name,
      sink,
      audit: stores.audit,
      incidents: stores.incidents,
      deliveries: stores.deliveries,
      leases: stores.leases,
      replicaId: options.replicaId,
      clock,
      log,
      ...(tuning.leaseMs !== undefined ? { leaseMs: tuning.leaseMs } : {}),
      ...(tuning.pollMs !== undefined ? { pollMs: tuning.pollMs } : {}),
    });

  const slack = options.webClient
    ? createSlackDelivery({
        api: createSlackApi(options.webClient),
        incidents: stores.incidents,
        proposals: stores.proposals,
        audit: stores.audit,
        auditLog: options.auditLog,
        deliveries: stores.deliveries,
        runbookOf: (id) => options.catalogue.byId.get(id),
        ...(options.config.SLACK_INCIDENT_CHANNEL ? { defaultChannel: options.config.SLACK_INCIDENT_CHANNEL } : {}),
        clock,
        log,
        metrics,
        ...(tuning.slackPacing ? { pacing: tuning.slackPacing } : {}),
        ...(tuning.slackBackoff ? { backoff: tuning.slackBackoff } : {}),
        ...(tuning.slackUpdateSettleMs !== undefined ? { updateSettleMs: tuning.slackUpdateSettleMs } : {}),
        renderChart: renderPromqlChart,
      })
    : undefined;
  const pagerduty = options.config.PAGERDUTY_ROUTING_KEY
    ? createPagerDutyDelivery({
        routingKey: options.config.PAGERDUTY_ROUTING_KEY,
        send: createEventsClient({ enqueueUrl: `${options.config.PAGERDUTY_EVENTS_URL.replace(/\/+$/, '')}/v2/enqueue`, now: () => clock.now().getTime() }),
        onCall: () => options.pager.onCall(),
        audit: stores.audit,
        auditLog: options.auditLog,
        deliveries: stores.deliveries,
        clock,
        log,
        metrics,
        ...(tuning.pagerdutyGiveUpAfterMs !== undefined ? { giveUpAfterMs: tuning.pagerdutyGiveUpAfterMs } : {}),
        ...(tuning.pagerdutyBackoff ? { backoff: tuning.pagerdutyBackoff } : {}),
      })
    : undefined;

  const drivers = [slack ? drive('slack', slack) : undefined, pagerduty ? drive('pagerduty', pagerduty) : undefined].filter((d): d is DeliveryDriver => d !== undefined);
  const unsubscribe = options.auditLog.subscribe((record) => drivers.forEach((d) => d.recorded(record)));
  drivers.forEach((d) => d.start());

  return {
    async idle() {
      // Before its first try for the lease a driver has seen nothing yet: wait for that try.
      await Promise.all(drivers.map((d) => d.ready()));
      await Promise.all([slack?.idle(), pagerduty?.idle()]);
    },
    backlog: () => ({ slack: slack?.backlog() ?? 0, pagerduty: pagerduty?.backlog() ?? 0 }),
    delivering: () => drivers.length > 0 && drivers.every((d) => d.isHolding()),
    async close() {
      unsubscribe();
      await Promise.all(drivers.map((d) => d.stop()));
    },
  };
}
