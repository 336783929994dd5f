import type { AllMiddlewareArgs, SlackCommandMiddlewareArgs } from '@slack/bolt';
import { onCallMessage } from '../../blocks/on-call.js';
import type { SlackListenerContext } from '../context.js';
import { replyPrivately } from '../reply.js';

const USAGE = 'Usage: `/oncall` (no arguments): who is on call now, from PagerDuty.';
const NOT_CONFIGURED = 'PagerDuty is not configured: set PAGERDUTY_API_TOKEN for /oncall to say who is on call (and PAGERDUTY_ROUTING_KEY for the bot to page them).';

/**
 * `/oncall`: ack at once (PagerDuty may take longer than Slack's 3 seconds), then answer the
 * caller privately with who is on call, mentioning each person Slack knows by email.
 */
export function onCallCommand(ctx: SlackListenerContext) {
  return async ({ ack, command, respond }: SlackCommandMiddlewareArgs & AllMiddlewareArgs): Promise<void> => {
    if ((command.text ?? '').trim() !== '') {
      await ack({ response_type: 'ephemeral', text: USAGE });
      return;
    }
    if (!ctx.deps.pager.onCallEnabled) {
      await ack({ response_type: 'ephemeral', text: NOT_CONFIGURED });
      return;
    }
    await ack({ response_type: 'ephemeral', text: 'Asking PagerDuty who is on call…' });
    const log = ctx.deps.log.child({ command: '/oncall', user: command.user_id });
    await ctx.track(`oncall:${command.user_id}`, async () => {
      await replyPrivately(respond, onCallMessage(await ctx.deps.pager.onCall()), log);
    });
  };
}
