import type { Proposal } from '../../../core/proposal.js';
import { validApprovals } from '../../../core/policy/approval.js';
import { escapeMrkdwn } from './text.js';

/** A short, human status for a proposal, used on the root message and the proposal message. */
export function proposalStatusText(p: Proposal): string {
  switch (p.status) {
    case 'diagnosing':
      return ':mag: running diagnostics';
    case 'pending_approval':
      return `:hourglass_flowing_sand: awaiting approval (${validApprovals(p.plan, p.approvals).length}/${p.approvalsRequired})`;
    case 'approved':
      return ':white_check_mark: approved, starting';
    case 'running':
      return `:gear: running${p.executionStatus ? ` (${p.executionStatus})` : ''}`;
    case 'succeeded':
      return ':white_check_mark: succeeded';
    case 'failed':
      return `:x: failed${p.lastError ? `: ${escapeMrkdwn(p.lastError)}` : ''}`;
    case 'skipped':
      return `:fast_forward: skipped${p.reason ? `: ${escapeMrkdwn(p.reason)}` : ' (not eligible)'}`;
    case 'dry_run':
      return ':memo: dry run recorded (DRY_RUN=true, nothing was executed)';
    case 'rejected':
      return `:no_entry_sign: ${p.reason ? escapeMrkdwn(p.reason) : 'rejected'}`;
    case 'blocked':
      return `:octagonal_sign: blocked${p.reason ? `: ${escapeMrkdwn(p.reason)}` : ''}`;
    case 'expired':
      return ':alarm_clock: approval expired';
    case 'withdrawn':
      return `:leftwards_arrow_with_hook: withdrawn${p.reason ? `: ${escapeMrkdwn(p.reason)}` : ''}`;
  }
}
