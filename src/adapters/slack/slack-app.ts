import { App, SocketModeReceiver } from '@slack/bolt';
import type { Logger } from 'pino';
import { SlackHttpReceiver } from './http-receiver.js';
import { pinoSlackLogger } from './web-client.js';
import type { SlackListenerContext } from './listeners/context.js';
import { register as registerActions } from './listeners/actions/index.js';
import { register as registerCommands } from './listeners/commands/index.js';
import { register as registerEvents } from './listeners/events/index.js';
import type { ReplayStore } from '../../services/ports.js';

export interface SlackAppOptions {
  botToken: string;
  signingSecret?: string;
  appToken?: string;
  apiUrl: string;
  log: Logger;
  now: () => number;
  context: SlackListenerContext;
  /** Signatures seen lately (HTTP only: Socket Mode requests are not signed). */
  replays: ReplayStore;
  /** Keeps each HTTP request's processing as tracked background work (shutdown waits for it). */
  track?: (processing: Promise<void>) => void;
}

/**
 * The Bolt app. Over HTTP it shares the bot's listener (`/slack/events`, see SlackHttpReceiver);
 * with SLACK_APP_TOKEN it uses Socket Mode instead. `authorize` returns the bot token directly, so
 * no auth.test call is needed before the first event.
 */
export function createSlackApp(options: SlackAppOptions): { app: App; http?: SlackHttpReceiver } {
  const logger = pinoSlackLogger(options.log.child({ component: 'bolt' }));
  let http: SlackHttpReceiver | undefined;
  let receiver;
  if (options.appToken) {
    // The Socket Mode client opens its WebSocket with a URL from `apps.connections.open`, called by
    // its own WebClient: Bolt builds that client from `installerOptions.clientOptions`, not from the
    // App's `clientOptions`, so SLACK_API_URL (GovSlack, a proxy, a test fake) must be passed here too.
    const clientOptions = { slackApiUrl: options.apiUrl };
    receiver = new SocketModeReceiver({ appToken: options.appToken, logger, installerOptions: { clientOptions }, customPropertiesExtractor: () => ({}) });
  } else {
    if (!options.signingSecret) throw new Error('SLACK_SIGNING_SECRET is required for Slack over HTTP (or set SLACK_APP_TOKEN for Socket Mode)');
    http = new SlackHttpReceiver({ signingSecret: options.signingSecret, log: options.log.child({ component: 'slack-receiver' }), now: options.now, replays: options.replays, ...(options.track ? { track: options.track } : {}) });
    receiver = http;
  }
  const app = new App({
    receiver,
    authorize: async () => ({ botToken: options.botToken }),
    clientOptions: { slackApiUrl: options.apiUrl },
    logger,
  });
  registerActions(app, options.context);
  registerCommands(app, options.context);
  registerEvents(app, options.context);
  return http ? { app, http } : { app };
}
