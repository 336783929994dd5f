import type { AllMiddlewareArgs, SlackEventMiddlewareArgs } from '@slack/bolt';
import { incidentStatusReply, MENTION_HELP } from '../../blocks/incident-reply.js';
import type { SlackListenerContext } from '../context.js';

type MentionArgs = SlackEventMiddlewareArgs<'app_mention'> & AllMiddlewareArgs;

/**
 * The incident whose thread this is: its root message carries the incident id in its metadata
 * (the bot posts every root with it), so one conversations.replies call says, whoever posted it.
 */
async function incidentOfThread(client: MentionArgs['client'], channel: string, threadTs: string): Promise<string | undefined> {
  const result = await client.conversations.replies({ channel, ts: threadTs, limit: 1, include_all_metadata: true });
  const root = result.messages?.[0] as { ts?: string; metadata?: { event_type?: string; event_payload?: Record<string, unknown> } } | undefined;
  if (root?.ts !== threadTs || root.metadata?.event_type !== 'chatops_incident') return undefined;
  const id = root.metadata.event_payload?.incident_id;
  return typeof id === 'string' ? id : undefined;
}

/**
 * `@chatops status` in an incident's thread answers in that thread with where the incident
 * stands; any other mention gets a short help, in a thread under the mention. Bolt acks events
 * before listeners run, so the store is read after the ack.
 */
export function appMention(ctx: SlackListenerContext) {
  return async ({ event, say, client }: MentionArgs): Promise<void> => {
    const words = (event.text ?? '').replace(/<@[A-Z0-9]+>/g, ' ').trim().toLowerCase();
    const threadTs = event.thread_ts;
    const log = ctx.deps.log.child({ event: 'app_mention', channel: event.channel, user: event.user });
    await ctx.track(`mention:${event.channel}`, async () => {
      let text = MENTION_HELP;
      try {
        if (threadTs && /^status\b/.test(words)) {
          const incidentId = await incidentOfThread(client, event.channel, threadTs);
          const incident = incidentId ? await ctx.deps.incidents.get(incidentId) : undefined;
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
