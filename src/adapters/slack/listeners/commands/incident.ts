import type { AllMiddlewareArgs, SlackCommandMiddlewareArgs } from '@slack/bolt';
import { parseIncidentCommand } from '../../../../core/commands/incident-command.js';
import { acknowledgeByHand, resolveByHand } from '../../../../services/incident-commands.js';
import { listOpenIncidents, showIncident } from '../../../../services/incident-queries.js';
import { incidentDetailReply, incidentListReply } from '../../blocks/incident-reply.js';
import type { SlackListenerContext } from '../context.js';
import { replyPrivately, serviceReply } from '../reply.js';

/**
 * `/incident list | show <id> | ack <id> | resolve <id> [note…]`. Usage errors are answered in the
 * ack (nothing to look up); everything else is acked first, then answered through respond().
 */
export function incidentCommand(ctx: SlackListenerContext) {
  return async ({ ack, command, respond }: SlackCommandMiddlewareArgs & AllMiddlewareArgs): Promise<void> => {
    const parsed = parseIncidentCommand(command.text ?? '');
    if (!parsed.ok) {
      await ack({ response_type: 'ephemeral', text: serviceReply(parsed.message) });
      return;
    }
    await ack();
    const log = ctx.deps.log.child({ command: '/incident', user: command.user_id });
    await ctx.track(`command:${command.user_id}`, async () => {
      let text: string;
      try {
        switch (parsed.op) {
          case 'list':
            text = incidentListReply(await listOpenIncidents(ctx.deps));
            break;
          case 'show':
            text = incidentDetailReply(parsed.id, await showIncident(ctx.deps, parsed.id, ctx.audit));
            break;
          case 'ack':
            text = serviceReply((await acknowledgeByHand(ctx.deps, parsed.id, { userId: command.user_id, usergroups: await ctx.usergroupsOf(command.user_id) })).message);
            break;
          case 'resolve':
            text = serviceReply((await resolveByHand(ctx.deps, parsed.id, { userId: command.user_id, usergroups: await ctx.usergroupsOf(command.user_id) }, parsed.note)).message);
            break;
        }
      } catch (err) {
        log.error({ err }, '/incident failed');
        text = 'The store did not answer; nothing was changed. Try again.';
      }
      await replyPrivately(respond, text, log);
    });
  };
}
