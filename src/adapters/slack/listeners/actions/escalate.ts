import type { AllMiddlewareArgs, BlockAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import { escalateByHand } from '../../../../services/escalate.js';
import type { SlackListenerContext } from '../context.js';
import { replyPrivately, serviceReply } from '../reply.js';

/**
 * The Escalate button on the root message: ack first (Slack wants it within 3 seconds; asking
 * PagerDuty who is on call may take longer), then page and tell the clicker privately.
 */
export function escalateButton(ctx: SlackListenerContext) {
  return async ({ ack, body, action, respond }: SlackActionMiddlewareArgs<BlockAction> & AllMiddlewareArgs): Promise<void> => {
    await ack();
    const incidentId = 'value' in action && typeof action.value === 'string' ? action.value : '';
    const userId = body.user.id;
    const log = ctx.deps.log.child({ incidentId, user: userId, button: action.action_id });
    await ctx.track(`escalate:${incidentId}`, async () => {
      let message: string;
      try {
        message = (await escalateByHand(ctx.deps, incidentId, { userId, usergroups: await ctx.usergroupsOf(userId) })).message;
      } catch (err) {
        log.error({ err }, 'escalation by hand failed');
        message = 'The store did not answer; nobody was paged. Try again, or reach the on-call another way.';
      }
      log.info(message);
      await replyPrivately(respond, serviceReply(message), log);
    });
  };
}
