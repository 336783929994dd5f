import type { AllMiddlewareArgs, BlockAction, SlackActionMiddlewareArgs, SlackCommandMiddlewareArgs } from '@slack/bolt';
import { parseRemediateCommand } from '../../../../core/commands/remediate-command.js';
import { previewRemediation, requestRemediation } from '../../../../services/remediate.js';
import { remediatePreview } from '../../blocks/remediate-preview.js';
import type { SlackListenerContext } from '../context.js';
import { replyPrivately, serviceReply } from '../reply.js';

/** How long a preview's Confirm button works: long enough to read the plan, short enough to be current. */
export const DRAFT_TTL_MS = 60 * 60 * 1000;

/**
 * `/remediate <runbook-id> key=value …`: ack, keep what was typed in the store behind a short key,
 * then show the rendered plan (ephemeral) with a Confirm button carrying that key. Nothing runs yet.
 */
export function remediateCommand(ctx: SlackListenerContext) {
  return async ({ ack, command, respond }: SlackCommandMiddlewareArgs & AllMiddlewareArgs): Promise<void> => {
    const parsed = parseRemediateCommand(command.text ?? '');
    if (!parsed.ok) {
      await ack({ response_type: 'ephemeral', text: serviceReply(parsed.message) });
      return;
    }
    await ack();
    const log = ctx.deps.log.child({ command: '/remediate', user: command.user_id });
    await ctx.track(`remediate:${command.user_id}`, async () => {
      const preview = previewRemediation(ctx.deps, parsed.runbookId, parsed.labels);
      if (!preview.ok) return replyPrivately(respond, serviceReply(preview.message), log);
      try {
        const until = new Date(ctx.deps.clock.now().getTime() + DRAFT_TTL_MS);
        const key = await ctx.drafts.put({ runbookId: parsed.runbookId, labels: parsed.labels, digest: preview.plan.digest }, until);
        await replyPrivately(respond, remediatePreview(preview.plan, key), log);
      } catch (err) {
        log.error({ err }, '/remediate could not keep the preview');
        await replyPrivately(respond, 'The store did not answer; nothing was run. Try again in a moment.', log);
      }
    });
  };
}

/** The Confirm button under a `/remediate` preview: runs the stored draft's plan, or nothing. */
export function remediateConfirm(ctx: SlackListenerContext) {
  return async ({ ack, body, action, respond }: SlackActionMiddlewareArgs<BlockAction> & AllMiddlewareArgs): Promise<void> => {
    await ack();
    const userId = body.user.id;
    const key = 'value' in action && typeof action.value === 'string' ? action.value : '';
    const log = ctx.deps.log.child({ button: action.action_id, user: userId });
    await ctx.track(`remediate:${userId}`, async () => {
      let message: string;
      try {
        const draft = await ctx.drafts.get(key);
        const preview = draft ? previewRemediation(ctx.deps, draft.runbookId, draft.labels) : undefined;
        if (!draft) message = 'This preview has expired or could not be read; nothing was run. Run /remediate again.';
        else if (preview?.ok && preview.plan.digest !== draft.digest) message = 'The runbook changed since this preview; nothing was run. Run /remediate again to see the current plan.';
        else message = (await requestRemediation(ctx.deps, { userId, usergroups: await ctx.usergroupsOf(userId) }, draft.runbookId, draft.labels)).message;
      } catch (err) {
        log.error({ err }, '/remediate failed');
        message = 'Something went wrong recording the request; nothing was run. Try again in a moment.';
      }
      await replyPrivately(respond, serviceReply(message), log);
    });
  };
}
