import type { AllMiddlewareArgs, SlackCommandMiddlewareArgs } from '@slack/bolt';
import { parseIncidentCommand } from '../../../../core/commands/incident-command.js';
import { acknowledgeByHand, resolveByHand } from '../../../../services/incident-commands.js';
import { listOpenIncidents, showIncident } from '../../../../services/incident-queries.js';
import type { SlackListenerContext } from '../context.js';

/** `/incident list | show <id> | ack <id> | resolve <id> [note…]`; answers are ephemeral. */
export function incidentCommand(ctx: SlackListenerContext) {
  return async ({ ack, command }: SlackCommandMiddlewareArgs & AllMiddlewareArgs): Promise<void> => {
    const parsed = parseIncidentCommand(command.text ?? '');
    if (!parsed.ok) {
      await ack({ response_type: 'ephemeral', text: parsed.message });
      return;
    }
    try {
      const actor = { userId: command.user_id, usergroups: await ctx.usergroupsOf(command.user_id) };
      const text = await (async () => {
        switch (parsed.op) {
          case 'list':
            return listOpenIncidents(ctx.deps);
          case 'show':
            return showIncident(ctx.deps, parsed.id, ctx.audit);
          case 'ack':
            return (await acknowledgeByHand(ctx.deps, parsed.id, actor)).message;
          case 'resolve':
            return (await resolveByHand(ctx.deps, parsed.id, actor, parsed.note)).message;
        }
      })();
      await ack({ response_type: 'ephemeral', text });
    } catch (err) {
      ctx.deps.log.error({ err, command: '/incident' }, '/incident failed');
      await ack({ response_type: 'ephemeral', text: 'The store did not answer; nothing was changed. Try again.' });
    }
  };
}
