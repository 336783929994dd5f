import type { App } from '@slack/bolt';
import type { SlackListenerContext } from '../context.js';
import { appMention } from './app-mention.js';

/** Events API subscriptions (slack-manifest.yml `bot_events`). */
export function register(app: App, ctx: SlackListenerContext): void {
  app.event('app_mention', appMention(ctx));
}
