import type { RespondFn } from '@slack/bolt';
import type { Logger } from 'pino';
import type { ChatBlocks } from '../delivery/chat-blocks.js';
import { escapeMrkdwn, replyText } from '../blocks/text.js';

/**
 * Sends the result of a command or click after the ack, through Bolt's `respond()`: the request's
 * response_url, which reaches the person in a DM and in a channel the bot is not in (an ephemeral
 * `chat.postEphemeral` does neither). Ephemeral, and never replacing the message clicked on.
 * A failure is logged: the work is done and audited either way.
 */
export async function replyPrivately(respond: RespondFn | undefined, message: string | ChatBlocks, log: Logger): Promise<void> {
  if (!respond) {
    log.warn('Slack sent no response_url; the reply could not be delivered');
    return;
  }
  const body = typeof message === 'string' ? { text: message } : message;
  try {
    await respond({ response_type: 'ephemeral', replace_original: false, ...body });
  } catch (err) {
    log.warn({ err }, 'could not send the reply to response_url');
  }
}

/**
 * A service's answer made safe for mrkdwn: the services write plain sentences that may quote what
 * people typed or AWS answered; only the bot's own `<@U…>` mentions survive, within Slack's limit.
 */
export function serviceReply(text: string): string {
  return replyText(escapeMrkdwn(text, { keepUserMentions: true }));
}
