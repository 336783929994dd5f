import type { AllMiddlewareArgs, SlackCommandMiddlewareArgs } from '@slack/bolt';
import { parseKillSwitchCommand } from '../../../../core/commands/kill-switch-command.js';
import { slackOperator } from '../../../../core/policy/authority.js';
import { killSwitchStatus, setKillSwitch } from '../../../../services/kill-switch.js';
import type { SlackListenerContext } from '../context.js';

type CommandArgs = SlackCommandMiddlewareArgs & AllMiddlewareArgs;

/**
 * `/kill-switch`. Unlike most listeners this one acks *after* the switch is stored: the ack is the
 * operator's confirmation that new actions are stopped. One conditional write is far inside
 * Slack's 3 seconds; stopping running executions (--abort-running) follows after the ack.
 */
export function killSwitchCommand(ctx: SlackListenerContext) {
  return async ({ ack, command }: CommandArgs): Promise<void> => {
    const parsed = parseKillSwitchCommand(command.text ?? '');
    if (!parsed.ok) {
      await ack({ response_type: 'ephemeral', text: parsed.message });
      return;
    }
    const log = ctx.deps.log.child({ command: '/kill-switch', user: command.user_id });
    try {
      if (parsed.op === 'status') {
        await ack({ response_type: 'ephemeral', text: await killSwitchStatus(ctx.deps) });
        return;
      }
      const actor = { userId: command.user_id, usergroups: await ctx.usergroupsOf(command.user_id) };
      const reply = await setKillSwitch(ctx.deps, slackOperator(ctx.deps.catalogue.policy, actor), parsed);
      await ack({ response_type: 'ephemeral', text: reply.message });
      if (reply.abort) {
        const abort = reply.abort;
        await ctx.track(`kill-switch-abort:${parsed.scope}`, async () => {
          const summary = await abort();
          await ctx.notifyUser(command.channel_id, command.user_id, summary.message);
        });
      }
    } catch (err) {
      log.error({ err }, 'kill switch command failed');
      await ack({ response_type: 'ephemeral', text: `Could not ${parsed.op === 'status' ? 'read' : 'change'} the kill switches: the store did not answer. Nothing was changed; try again.` });
    }
  };
}
