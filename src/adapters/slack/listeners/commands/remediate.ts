import type { AllMiddlewareArgs, BlockAction, SlackActionMiddlewareArgs, SlackCommandMiddlewareArgs } from '@slack/bolt';
import { parseRemediateCommand } from '../../../../core/commands/remediate-command.js';
import { previewRemediation, requestRemediation } from '../../../../services/remediate.js';
import { remediatePreview } from '../../blocks/remediate-preview.js';
import type { SlackListenerContext } from '../context.js';

/** `/remediate <runbook-id> key=value …`: ack with the rendered plan (ephemeral); nothing runs yet. */
export function remediateCommand(ctx: SlackListenerContext) {
  return async ({ ack, command }: SlackCommandMiddlewareArgs & AllMiddlewareArgs): Promise<void> => {
    const parsed = parseRemediateCommand(command.text ?? '');
    if (!parsed.ok) {
      await ack({ response_type: 'ephemeral', text: parsed.message });
      return;
    }
    const preview = previewRemediation(ctx.deps, parsed.runbookId, parsed.labels);
    if (!preview.ok) {
      await ack({ response_type: 'ephemeral', text: preview.message });
      return;
    }
    await ack({ response_type: 'ephemeral', ...remediatePreview(preview.plan, parsed.labels) });
  };
}

interface ConfirmValue {
  runbookId: string;
  labels: Record<string, string>;
  digest: string;
}

function parseValue(value: unknown): ConfirmValue | undefined {
  if (typeof value !== 'string') return undefined;
  try {
    const v = JSON.parse(value) as Partial<ConfirmValue>;
    if (typeof v.runbookId !== 'string' || typeof v.digest !== 'string' || !v.labels || typeof v.labels !== 'object') return undefined;
    const labels = Object.fromEntries(Object.entries(v.labels).filter(([, x]) => typeof x === 'string')) as Record<string, string>;
    return { runbookId: v.runbookId, labels, digest: v.digest };
  } catch {
    return undefined;
  }
}

/** The Confirm button under a `/remediate` preview. */
export function remediateConfirm(ctx: SlackListenerContext) {
  return async ({ ack, body, action }: SlackActionMiddlewareArgs<BlockAction> & AllMiddlewareArgs): Promise<void> => {
    await ack();
    const userId = body.user.id;
    const channel = body.channel?.id;
    const value = parseValue('value' in action ? action.value : undefined);
    await ctx.track(`remediate:${userId}`, async () => {
      let message: string;
      if (!value) message = 'That confirmation could not be read; run /remediate again.';
      else {
        const preview = previewRemediation(ctx.deps, value.runbookId, value.labels);
        if (preview.ok && preview.plan.digest !== value.digest) message = 'The runbook changed since this preview; nothing was run. Run /remediate again to see the current plan.';
        else {
          try {
            message = (await requestRemediation(ctx.deps, { userId, usergroups: await ctx.usergroupsOf(userId) }, value.runbookId, value.labels)).message;
          } catch (err) {
            ctx.deps.log.error({ err, user: userId }, '/remediate failed');
            message = 'Something went wrong recording the request; nothing was run. Try again in a moment.';
          }
        }
      }
      if (channel) await ctx.notifyUser(channel, userId, message).catch((err: unknown) => ctx.deps.log.warn({ err }, 'could not send the ephemeral reply'));
    });
  };
}
