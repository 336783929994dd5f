import type { Plan } from '../../../core/runbooks/plan.js';
import { codeBlock, escapeMrkdwn, fields, section } from './text.js';

export const REMEDIATE_CONFIRM = 'remediate_confirm';

/** The ephemeral plan `/remediate` shows before anything happens, with a Confirm button. */
export function remediatePreview(plan: Plan, labels: Record<string, string>): { text: string; blocks: unknown[] } {
  return {
    text: escapeMrkdwn(`Run ${plan.runbookId} on ${plan.target}?`),
    blocks: [
      section(`*Run by hand:* ${escapeMrkdwn(plan.title)}\n\`${plan.runbookId}\` v${plan.runbookVersion}`),
      fields([
        ['Target', `\`${escapeMrkdwn(plan.target)}\``],
        ['Risk', `${plan.risk}${plan.reversible ? '' : ', *not reversible*'}`],
        ['Document', `\`${plan.action.document}\``],
        ['Rollback', escapeMrkdwn(plan.rollback?.description ?? 'none defined')],
      ]),
      section(`*Parameters*\n${codeBlock(plan.action.parameters)}`),
      {
        type: 'actions',
        elements: [
          {
            type: 'button',
            action_id: REMEDIATE_CONFIRM,
            style: 'primary',
            text: { type: 'plain_text', text: 'Confirm' },
            // The confirm re-renders from these, so what runs is what this preview showed or nothing.
            value: JSON.stringify({ runbookId: plan.runbookId, labels, digest: plan.digest }),
          },
        ],
      },
    ],
  };
}
