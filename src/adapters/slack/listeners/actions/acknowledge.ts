import type { AllMiddlewareArgs, BlockAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import { acknowledgeByHand } from '../../../../services/incident-commands.js';
import type { SlackListenerContext } from '../context.js';

/** The Acknowledge button on the root message. */
export function acknowledgeButton(ctx: SlackListenerContext) {
  return async ({ ack, body, action }: SlackActionMiddlewareArgs<BlockAction> & AllMiddlewareArgs): Promise<void> => {
    await ack();
    const incidentId = 'value' in action && typeof action.value === 'string' ? action.value : '';
    const userId = body.user.id;
    const channel = body.channel?.id;
    await ctx.track(`ack:${incidentId}`, async () => {
      let message: string;
      try {
        message = (await acknowledgeByHand(ctx.deps, incidentId, { userId, usergroups: await ctx.usergroupsOf(userId) })).message;
      } catch (err) {
        ctx.deps.log.error({ err, incidentId }, 'acknowledge failed');
        message = 'The store did not answer; the incident was not acknowledged. Try again.';
      }
      if (channel) await ctx.notifyUser(channel, userId, message).catch((err: unknown) => ctx.deps.log.warn({ err }, 'could not send the ephemeral reply'));
    });
  };
}
