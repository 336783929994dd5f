import type { Plan } from '../../../core/runbooks/plan.js';
import type { ChatBlocks } from '../delivery/chat-blocks.js';
import { actions, button, codeBlock, escapeMrkdwn, fields, section, slackMessage } from './text.js';

export const REMEDIATE_CONFIRM = 'remediate_confirm';

/**
 * The ephemeral plan `/remediate` shows before anything happens, with a Confirm button. The button
 * carries only `draftKey`: what was typed (any number of labels, of any length) stays in the store,
 * since a button value holds at most 2,000 characters.
 */
export function remediatePreview(plan: Plan, draftKey: string): ChatBlocks {
  return slackMessage(escapeMrkdwn(`Run ${plan.runbookId} on ${plan.target}?`), [
    section(`*Run by hand:* ${escapeMrkdwn(plan.title)}\n\`${plan.runbookId}\` v${plan.runbookVersion}`),
    fields([
      ['Target', `\`${escapeMrkdwn(plan.target)}\``],
      ['Risk', `${plan.risk}${plan.reversible ? '' : ', *not reversible*'}`],
      ['Document', `\`${escapeMrkdwn(plan.action.document)}\``],
      ['Rollback', escapeMrkdwn(plan.rollback?.description ?? 'none defined')],
    ]),
    section(`*Parameters*\n${codeBlock(plan.action.parameters)}`),
    // The confirm re-renders from the stored draft, so what runs is what this preview showed or nothing.
    actions([button({ actionId: REMEDIATE_CONFIRM, text: 'Confirm', style: 'primary', value: draftKey })], 'remediate'),
  ]);
}
