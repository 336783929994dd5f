import type { Logger } from 'pino';
import type { Config } from '../../config/schema.js';
import type { Pager } from '../../services/pager.js';
import { createOnCallDirectory } from './oncall-directory.js';

export interface PagerOptions {
  config: Pick<Config, 'PAGERDUTY_ROUTING_KEY' | 'PAGERDUTY_API_TOKEN' | 'PAGERDUTY_API_URL'>;
  log: Logger;
  /** Slack user id for an email, when Slack is configured. */
  slackUserIdFor?: (email: string) => Promise<string | undefined>;
  now?: () => number;
}

/**
 * What the configuration says of PagerDuty: paging is on when PAGERDUTY_ROUTING_KEY is set (the
 * events themselves go out through PagerDuty delivery); PAGERDUTY_API_TOKEN alone still answers who
 * is on call (for /oncall and the escalation lines).
 *
 * Two transports, on purpose. What is read from the REST API (who is on call) goes through
 * @pagerduty/pdjs's `api({ url })`, which sends PagerDuty's versioned headers. Paging (Events API
 * v2) has its own transport (events-client.ts, driven by pagerduty-delivery.ts): pdjs's events
 * client cannot honour `Retry-After`, does not retry 5xx, cannot time out a request (its timeout
 * option sets an empty timer) and retries a 429 after a fixed 20 s, while a page must be retried,
 * paced and, when it cannot be delivered, audited.
 */
export function createPager(options: PagerOptions): Pager {
  const { config, log } = options;
  const onCall = config.PAGERDUTY_API_TOKEN
    ? createOnCallDirectory({
        apiUrl: config.PAGERDUTY_API_URL,
        token: config.PAGERDUTY_API_TOKEN,
        log,
        ...(options.slackUserIdFor ? { slackUserIdFor: options.slackUserIdFor } : {}),
        ...(options.now ? { now: options.now } : {}),
      })
    : undefined;
  return { enabled: Boolean(config.PAGERDUTY_ROUTING_KEY), onCallEnabled: onCall !== undefined, onCall: onCall ?? (async () => []) };
}
