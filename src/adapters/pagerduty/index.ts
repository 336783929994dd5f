import type { Logger } from 'pino';
import type { Config } from '../../config/schema.js';
import { disabledPager } from '../../services/pager.js';
import type { OnCall, PageOutcome, Pager } from '../../services/pager.js';
import { createOnCallDirectory } from './oncall-directory.js';
import { createPagerDutyPager } from './pagerduty-pager.js';

export interface PagerOptions {
  config: Pick<Config, 'PAGERDUTY_ROUTING_KEY' | 'PAGERDUTY_API_TOKEN' | 'PAGERDUTY_EVENTS_URL' | 'PAGERDUTY_API_URL'>;
  log: Logger;
  onOutcome: (outcome: PageOutcome) => void;
  /** Slack user id for an email, when Slack is configured. */
  slackUserIdFor?: (email: string) => Promise<string | undefined>;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
}

/**
 * The Pager the configuration asks for: PagerDuty when PAGERDUTY_ROUTING_KEY is set, otherwise
 * disabled. PAGERDUTY_API_TOKEN alone still answers who is on call (for /oncall).
 *
 * Two transports, on purpose. What is read from the REST API (who is on call) goes through
 * @pagerduty/pdjs's `api({ url })`, which sends PagerDuty's versioned headers. Paging (Events API
 * v2) keeps its own queue (events-queue.ts): pdjs's events client cannot honour `Retry-After`,
 * does not retry 5xx, cannot time out a request (its timeout option sets an empty timer) and
 * retries a 429 after a fixed 20 s, while a page must be retried, paced and, when it cannot be
 * delivered, audited.
 */
export function createPager(options: PagerOptions): Pager {
  const { config, log } = options;
  let onCall: (() => Promise<OnCall[]>) | undefined;
  if (config.PAGERDUTY_API_TOKEN) {
    onCall = createOnCallDirectory({
      apiUrl: config.PAGERDUTY_API_URL,
      token: config.PAGERDUTY_API_TOKEN,
      log,
      ...(options.slackUserIdFor ? { slackUserIdFor: options.slackUserIdFor } : {}),
      ...(options.now ? { now: options.now } : {}),
    });
  }
  if (!config.PAGERDUTY_ROUTING_KEY) return onCall ? { ...disabledPager, onCallEnabled: true, onCall } : disabledPager;
  return createPagerDutyPager({
    routingKey: config.PAGERDUTY_ROUTING_KEY,
    eventsUrl: config.PAGERDUTY_EVENTS_URL,
    log,
    onOutcome: options.onOutcome,
    ...(onCall ? { onCall } : {}),
    ...(options.sleep ? { sleep: options.sleep } : {}),
    ...(options.now ? { now: options.now } : {}),
  });
}
