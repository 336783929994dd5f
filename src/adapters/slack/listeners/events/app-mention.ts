import type { AllMiddlewareArgs, SlackEventMiddlewareArgs } from '@slack/bolt';
import { incidentOfThread } from '../../../../services/incident-queries.js';
import { incidentStatusReply, MENTION_HELP } from '../../blocks/incident-reply.js';
import type { SlackListenerContext } from '../context.js';

type MentionArgs = SlackEventMiddlewareArgs<'app_mention'> & AllMiddlewareArgs;

/**
 * `@chatops status` in an incident's thread answers in that thread with where the incident
 * stands; any other mention gets a short help, in a thread under the mention. Bolt acks events
 * before listeners run, so the store is read after the ack.
 */
export function appMention(ctx: SlackListenerContext) {
  return async ({ event, say }: MentionArgs): Promise<void> => {
    const words = (event.text ?? '').replace(/<@[A-Z0-9]+>/g, ' ').trim().toLowerCase();
    const threadTs = event.thread_ts;
    const log = ctx.deps.log.child({ event: 'app_mention', channel: event.channel, user: event.user });
    await ctx.deps.tasks.run(`mention:${event.channel}`, async () => {
      let text = MENTION_HELP;
      try {
        if (threadTs && /^status\b/.test(words)) {
          const incident = await incidentOfThread(ctx.deps, event.channel, threadTs);
          if (incident) text = incidentStatusReply(incident, await ctx.deps.proposals.listByIncident(incident.id));
          else text = `This thread is not an incident's that I know of.\n${MENTION_HELP}`;
        }
      } catch (err) {
        log.error({ err }, 'could not look up the incident of a thread');
        text = 'The store did not answer; try again in a moment, or use `/incident show <id>`.';
      }
      await say({ text, thread_ts: threadTs ?? event.ts }).catch((err: unknown) => log.warn({ err }, 'could not answer a mention'));
    });
  };
}
