import type { Logger } from 'pino';
import type { OnCall, PageAction, PageOutcome, PageTrigger, Pager } from '../../services/pager.js';
import { createEventsQueue } from './events-queue.js';
import type { EventsQueueOptions } from './events-queue.js';

export interface PagerDutyPagerOptions {
  /** PAGERDUTY_ROUTING_KEY: one integration key, so every event of an incident goes to one service. */
  routingKey: string;
  /** PAGERDUTY_EVENTS_URL, e.g. https://events.pagerduty.com or https://events.eu.pagerduty.com. */
  eventsUrl: string;
  log: Logger;
  onOutcome: (outcome: PageOutcome) => void;
  /** Who is on call (PagerDuty REST); without it the pager pages but cannot say whom. */
  onCall?: () => Promise<OnCall[]>;
  retry?: Pick<EventsQueueOptions, 'maxAttempts' | 'baseMs' | 'capMs' | 'timeoutMs' | 'maxDepth' | 'random'>;
  fetch?: typeof fetch;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
}

/** Identifies the bot in PagerDuty's incident log. */
const CLIENT = 'chatops-bot';
/** Events API v2 limits: payload.summary is at most 1,024 characters. */
const SUMMARY_LIMIT = 1024;

/**
 * The Pager port on PagerDuty's Events API v2, over plain fetch rather than @pagerduty/pdjs: its
 * events client takes a host name and always builds `https://<host>/v2/enqueue`, so it cannot take
 * PAGERDUTY_EVENTS_URL as a URL (a proxy path, a local fake over http). The incident id is the
 * dedup_key: PagerDuty folds repeated triggers of one incident into one PagerDuty incident, and
 * acknowledge and resolve find it.
 */
export function createPagerDutyPager(options: PagerDutyPagerOptions): Pager {
  const now = options.now ?? Date.now;
  const queue = createEventsQueue({
    enqueueUrl: `${options.eventsUrl.replace(/\/+$/, '')}/v2/enqueue`,
    log: options.log.child({ component: 'pagerduty-events' }),
    onOutcome: options.onOutcome,
    ...options.retry,
    ...(options.fetch ? { fetch: options.fetch } : {}),
    ...(options.sleep ? { sleep: options.sleep } : {}),
    now,
  });
  const follow = (action: Exclude<PageAction, 'trigger'>, incidentId: string) =>
    queue.enqueue({ dedupKey: incidentId, action, body: { routing_key: options.routingKey, event_action: action, dedup_key: incidentId, client: CLIENT } });

  return {
    enabled: true,
    onCallEnabled: options.onCall !== undefined,
    trigger(event: PageTrigger) {
      const payload: Record<string, unknown> = {
        summary: event.summary.slice(0, SUMMARY_LIMIT),
        source: event.source || CLIENT,
        severity: event.severity,
        timestamp: new Date(now()).toISOString(),
      };
      if (event.component) payload.component = event.component;
      if (event.customDetails) payload.custom_details = event.customDetails;
      queue.enqueue({
        dedupKey: event.incidentId,
        action: 'trigger',
        body: {
          routing_key: options.routingKey,
          event_action: 'trigger',
          dedup_key: event.incidentId,
          payload,
          ...(event.links && event.links.length > 0 ? { links: event.links } : {}),
          client: CLIENT,
        },
      });
    },
    acknowledge: (incidentId) => follow('acknowledge', incidentId),
    resolve: (incidentId) => follow('resolve', incidentId),
    onCall: options.onCall ?? (async () => []),
    depth: () => queue.depth(),
    drain: () => queue.drain(),
    stop: () => queue.stop(),
  };
}
