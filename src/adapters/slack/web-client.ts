import { LogLevel, WebClient } from '@slack/web-api';
import type { Logger as SlackLogger } from '@slack/web-api';
import type { Logger } from 'pino';

export interface SlackWebClientOptions {
  /** The bot token (`xoxb-…`). */
  token: string;
  /** `SLACK_API_URL`; tests point it at a fake. Defaults to https://slack.com/api/. */
  apiUrl?: string;
  log: Logger;
  /** Per-request timeout. Without one, a stalled connection would stall its channel's queue forever. */
  timeoutMs?: number;
}

/**
 * A WebClient for delivery. `rejectRateLimitedCalls` and `retries: 0` hand 429s and retries to
 * delivery: by default the WebClient pauses all its requests on any 429 and retries 5xx for half an
 * hour, which would let one noisy channel stall every other one.
 */
export function createSlackWebClient(options: SlackWebClientOptions): WebClient {
  return new WebClient(options.token, {
    ...(options.apiUrl ? { slackApiUrl: options.apiUrl } : {}),
    rejectRateLimitedCalls: true,
    retryConfig: { retries: 0 },
    timeout: options.timeoutMs ?? 10_000,
    logger: pinoSlackLogger(options.log.child({ component: 'slack-web-api' })),
  });
}

const PINO_TO_SLACK: Record<string, LogLevel> = {
  trace: LogLevel.DEBUG,
  debug: LogLevel.DEBUG,
  info: LogLevel.INFO,
  warn: LogLevel.WARN,
};

/**
 * Adapts pino to the Slack SDK's logger. The SDK logs variadic strings and owns no level of its own
 * here: pino's level decides, so `setLevel` is ignored.
 */
export function pinoSlackLogger(log: Logger): SlackLogger {
  let name = 'web-api';
  const sdk = () => ({ sdk: name });
  const text = (msg: unknown[]) => msg.map((m) => (typeof m === 'string' ? m : JSON.stringify(m))).join(' ');
  return {
    debug: (...msg) => log.debug(sdk(), text(msg)),
    info: (...msg) => log.info(sdk(), text(msg)),
    warn: (...msg) => log.warn(sdk(), text(msg)),
    error: (...msg) => log.error(sdk(), text(msg)),
    setLevel: () => {},
    getLevel: () => PINO_TO_SLACK[log.level] ?? LogLevel.ERROR,
    setName: (n: string) => {
      name = n;
    },
  };
}
