import type { AllMiddlewareArgs, BlockAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import { acknowledgeByHand } from '../../../../services/incident-commands.js';
import type { SlackListenerContext } from '../context.js';
import { replyPrivately, serviceReply } from '../reply.js';

/** The Acknowledge button on the root message: ack, then acknowledge and tell the clicker. */
export function acknowledgeButton(ctx: SlackListenerContext) {
  return async ({ ack, body, action, respond }: SlackActionMiddlewareArgs<BlockAction> & AllMiddlewareArgs): Promise<void> => {
    await ack();
    const incidentId = 'value' in action && typeof action.value === 'string' ? action.value : '';
    const userId = body.user.id;
    const log = ctx.deps.log.child({ incidentId, user: userId, button: action.action_id });
    await ctx.track(`ack:${incidentId}`, async () => {
      let message: string;
      try {
        message = (await acknowledgeByHand(ctx.deps, incidentId, { userId, usergroups: await ctx.usergroupsOf(userId) })).message;
      } catch (err) {
        log.error({ err }, 'acknowledge failed');
        message = 'The store did not answer; the incident was not acknowledged. Try again.';
      }
      await replyPrivately(respond, serviceReply(message), log);
    });
  };
}
