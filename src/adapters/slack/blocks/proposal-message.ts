import type { IncidentView } from '../../../services/incident-channel.js';
import type { Proposal } from '../../../core/proposal.js';
import type { Runbook } from '../../../core/runbooks/schema.js';
import { codeBlock, context, escapeMrkdwn, fields, section } from './text.js';
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
  const approve: Record<string, unknown> = { type: 'button', action_id: ACTION_IDS.approve, text: { type: 'plain_text', text: 'Approve' }, style: 'primary', value: approveValue(p) };
  if (p.plan.risk === 'high' || !p.plan.reversible) {
    approve.confirm = {
      title: { type: 'plain_text', text: 'Approve this action?' },
      text: { type: 'mrkdwn', text: `This runs \`${p.plan.action.document}\` on \`${escapeMrkdwn(p.plan.target)}\`${p.plan.reversible ? '' : ' and cannot be undone'}.` },
      confirm: { type: 'plain_text', text: 'Approve' },
      deny: { type: 'plain_text', text: 'Cancel' },
    };
  }
  return {
    type: 'actions',
    block_id: `proposal:${p.id}`,
    elements: [
      approve,
      { type: 'button', action_id: ACTION_IDS.reject, text: { type: 'plain_text', text: 'Reject' }, style: 'danger', value: p.id },
      { type: 'button', action_id: ACTION_IDS.dryRun, text: { type: 'plain_text', text: 'Dry run' }, value: p.id },
    ],
  };
}

/** Who approved this exact plan: approvals of a plan that has since changed no longer count, so are not shown. */
function approvers(p: Proposal): string {
  const valid = validApprovals(p.plan, p.approvals);
  return valid.length ? valid.map((a) => `<@${a.userId}>`).join(', ') : 'none yet';
}

/** The plan a person approves: runbook, document, rendered parameters, single target, risk, rollback. */
export function proposalMessage(_view: IncidentView, p: Proposal, runbook: Runbook | undefined): { text: string; blocks: unknown[] } {
  const { plan } = p;
  const blocks: Record<string, unknown>[] = [
    section(`*Proposed runbook:* ${escapeMrkdwn(plan.title)}\n\`${plan.runbookId}\` v${plan.runbookVersion}${runbook ? '' : ' (no longer in the catalogue)'}`),
    fields([
      ['Target', `\`${escapeMrkdwn(plan.target)}\``],
      ['Risk', `${plan.risk}${plan.reversible ? '' : ', *not reversible*'}`],
      ['Document', `\`${plan.action.document}\``],
      ['Approvals', p.approvalsRequired === 0 ? 'none needed (runs automatically)' : `${approvers(p)} of ${p.approvalsRequired} needed`],
    ]),
    section(`*Parameters*\n${codeBlock(plan.action.parameters)}`),
    section(`*Rollback:* ${escapeMrkdwn(plan.rollback?.description ?? 'none defined')}${plan.rollback?.step ? ` (\`${plan.rollback.step.document}\`)` : ''}`),
  ];
  if (p.status === 'pending_approval') blocks.push(buttons(p));
  blocks.push(context(`${proposalStatusText(p)} · plan ${plan.digest.slice(0, 12)} · action ${p.id}`));
  return { text: escapeMrkdwn(`Proposed: ${plan.runbookId} on ${plan.target} (${plan.risk} risk): ${p.status}`), blocks };
}
