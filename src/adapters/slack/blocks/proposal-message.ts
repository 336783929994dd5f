import type { IncidentView } from '../../../services/incident-channel.js';
import type { Proposal } from '../../../core/proposal.js';
import type { Runbook } from '../../../core/runbooks/schema.js';
import type { ChatBlocks } from '../delivery/chat-blocks.js';
import { actions, button, codeBlock, confirmDialog, context, escapeMrkdwn, fields, section, slackMessage, truncate } from './text.js';
import { proposalStatusText } from './proposal-status.js';
import { validApprovals } from '../../../core/policy/approval.js';

/** Button action_ids (DESIGN §2.4): they start with approve, reject, dry_run; the value is the proposal id. */
export const ACTION_IDS = { approve: 'approve_proposal', reject: 'reject_proposal', dryRun: 'dry_run_proposal' } as const;

/** `<proposal id>|<plan digest>`: what an Approve button carries. */
export function approveValue(p: Pick<Proposal, 'id' | 'plan'>): string {
  return `${p.id}|${p.plan.digest}`;
}

function buttons(p: Proposal): Record<string, unknown> {
  // The digest of the plan this message shows: an approval counts only for that exact plan.
  const confirm =
    p.plan.risk === 'high' || !p.plan.reversible
      ? confirmDialog({
          title: 'Approve this action?',
          text: `This runs \`${p.plan.action.document}\` on \`${truncate(escapeMrkdwn(p.plan.target), 150)}\`${p.plan.reversible ? '' : ' and cannot be undone'}.`,
          confirm: 'Approve',
        })
      : undefined;
  return actions(
    [
      button({ actionId: ACTION_IDS.approve, text: 'Approve', style: 'primary', value: approveValue(p), ...(confirm ? { confirm } : {}) }),
      button({ actionId: ACTION_IDS.reject, text: 'Reject', style: 'danger', value: p.id }),
      button({ actionId: ACTION_IDS.dryRun, text: 'Dry run', value: p.id }),
    ],
    `proposal:${p.id}`,
  );
}

/** Who approved this exact plan: approvals of a plan that has since changed no longer count, so are not shown. */
function approvers(p: Proposal): string {
  const valid = validApprovals(p.plan, p.approvals);
  return valid.length ? valid.map((a) => `<@${a.userId}>`).join(', ') : 'none yet';
}

/** The plan a person approves: runbook, document, rendered parameters, single target, risk, rollback. */
export function proposalMessage(_view: IncidentView, p: Proposal, runbook: Runbook | undefined): ChatBlocks {
  const { plan } = p;
  const blocks: Record<string, unknown>[] = [
    section(`*Proposed runbook:* ${escapeMrkdwn(plan.title)}\n\`${plan.runbookId}\` v${plan.runbookVersion}${runbook ? '' : ' (no longer in the catalogue)'}`),
    fields([
      ['Target', `\`${escapeMrkdwn(plan.target)}\``],
      ['Risk', `${plan.risk}${plan.reversible ? '' : ', *not reversible*'}`],
      ['Document', `\`${escapeMrkdwn(plan.action.document)}\``],
      ['Approvals', p.approvalsRequired === 0 ? 'none needed (runs automatically)' : `${approvers(p)} of ${p.approvalsRequired} needed`],
    ]),
    section(`*Parameters*\n${codeBlock(plan.action.parameters)}`),
    section(`*Rollback:* ${escapeMrkdwn(plan.rollback?.description ?? 'none defined')}${plan.rollback?.step ? ` (\`${plan.rollback.step.document}\`)` : ''}`),
  ];
  // What the bot checks after the run is part of what is approved: a failed check pages.
  if (plan.verify) blocks.push(section(`*Verified after the run:* \`${escapeMrkdwn(plan.verify.query)}\` ${escapeMrkdwn(plan.verify.expect)} within ${Math.round(plan.verify.withinMs / 60_000)} min, or the on-call is paged`));
  if (p.status === 'pending_approval') blocks.push(buttons(p));
  blocks.push(context(`${proposalStatusText(p)} · plan ${plan.digest.slice(0, 12)} · action ${p.id}`));
  return slackMessage(escapeMrkdwn(`Proposed: ${plan.runbookId} on ${plan.target} (${plan.risk} risk): ${p.status}`), blocks);
}
