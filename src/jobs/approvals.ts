import { sweepApprovals } from '../services/approval-reminders.js';
import type { Job } from './job.js';

/** Every minute: approval expiry, reminders to approvers, and paging for approvals that wait too long. */
export const approvalsJob: Job = {
  id: 'approvals',
  schedule: '* * * * *',
  timeoutMs: 50_000,
  async run(deps) {
    const r = await sweepApprovals(deps);
    return `${r.expired} expired, ${r.reminded} reminded, ${r.escalated} escalated`;
  },
};
