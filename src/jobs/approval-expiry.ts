import { expireDueApprovals } from '../services/expire-approvals.js';
import type { Job } from './job.js';

/** Every minute: pending approvals past the policy's `expires_after` expire and lose their buttons. */
export const approvalExpiryJob: Job = {
  id: 'approval-expiry',
  schedule: '* * * * *',
  timeoutMs: 50_000,
  async run(deps) {
    const expired = await expireDueApprovals(deps);
    return `${expired} approval(s) expired`;
  },
};
