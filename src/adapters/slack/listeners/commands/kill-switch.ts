import type { AllMiddlewareArgs, SlackCommandMiddlewareArgs } from '@slack/bolt';
import { parseKillSwitchCommand } from '../../../../core/commands/kill-switch-command.js';
import { slackOperator } from '../../../../core/policy/authority.js';
import { killSwitchStatus, setKillSwitch } from '../../../../services/kill-switch.js';
import { killSwitchStatusReply } from '../../blocks/incident-reply.js';
import type { SlackListenerContext } from '../context.js';
import { replyPrivately, serviceReply } from '../reply.js';

type CommandArgs = SlackCommandMiddlewareArgs & AllMiddlewareArgs;

/**
 * `/kill-switch`. Acked before anything is read or written (Slack wants the ack within 3 seconds
 * and a slow store must not lose it); the operator is told the switch's state through respond()
 * once it is stored, and, with --abort-running, which executions were stopped.
 */
export function killSwitchCommand(ctx: SlackListenerContext) {
  return async ({ ack, command, respond }: CommandArgs): Promise<void> => {
    const parsed = parseKillSwitchCommand(command.text ?? '');
    if (!parsed.ok) {
      await ack({ response_type: 'ephemeral', text: serviceReply(parsed.message) });
      return;
    }
    await ack();
    const log = ctx.deps.log.child({ command: '/kill-switch', user: command.user_id });
    await ctx.track(`kill-switch:${parsed.op === 'status' ? command.user_id : parsed.scope}`, async () => {
      try {
        if (parsed.op === 'status') {
          await replyPrivately(respond, killSwitchStatusReply(await killSwitchStatus(ctx.deps)), log);
          return;
        }
        const actor = { userId: command.user_id, usergroups: await ctx.usergroupsOf(command.user_id) };
        const reply = await setKillSwitch(ctx.deps, slackOperator(ctx.deps.catalogue.policy, actor), parsed);
        await replyPrivately(respond, serviceReply(reply.message), log);
        if (reply.abort) await replyPrivately(respond, serviceReply((await reply.abort()).message), log);
      } catch (err) {
        log.error({ err }, 'kill switch command failed');
        await replyPrivately(respond, `Could not ${parsed.op === 'status' ? 'read' : 'change'} the kill switches: the store did not answer. Nothing was changed; try again.`, log);
      }
    });
  };
}
