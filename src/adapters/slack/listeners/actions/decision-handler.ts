import type { AllMiddlewareArgs, BlockAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import type { Actor } from '../../../../core/policy/authority.js';
import type { DecisionReply } from '../../../../services/decide-proposal.js';
import type { ServiceDeps } from '../../../../services/deps.js';
import type { SlackListenerContext } from '../context.js';
import { replyPrivately, serviceReply } from '../reply.js';

type Decide = (deps: ServiceDeps, proposalId: string, actor: Actor, seenDigest?: string) => Promise<DecisionReply>;
type ButtonArgs = SlackActionMiddlewareArgs<BlockAction> & AllMiddlewareArgs;

/**
 * ack → parse → call the service → tell the clicker. The ack comes first: Slack wants it within
 * 3 seconds, and everything after it (policy, store, SSM) may take longer.
 */
export function decisionHandler(ctx: SlackListenerContext, decide: Decide) {
  return async ({ ack, body, action, respond }: ButtonArgs): Promise<void> => {
    await ack();
    const value = 'value' in action && typeof action.value === 'string' ? action.value : '';
    // Approve carries `<id>|<plan digest>` (the plan the clicker saw); other buttons just the id.
    const [proposalId = '', seenDigest] = value.split('|');
    const userId = body.user.id;
    const log = ctx.deps.log.child({ actionId: proposalId, user: userId, button: action.action_id });
    // Tracked background work, so shutdown waits for it and tests can wait for it to settle.
    await ctx.track(`click:${proposalId}`, async () => {
      let reply: DecisionReply;
      try {
        reply = await decide(ctx.deps, proposalId, { userId, usergroups: await ctx.usergroupsOf(userId) }, seenDigest);
      } catch (err) {
        log.error({ err }, 'button handling failed');
        reply = { ok: false, message: 'Something went wrong recording that click; nothing was run. Try again in a moment.' };
      }
      log.info({ ok: reply.ok }, reply.message);
      await replyPrivately(respond, serviceReply(reply.message), log);
    });
  };
}
