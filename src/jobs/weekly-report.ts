import { postWeeklyReport } from '../services/reports.js';
import type { Job } from './job.js';

/** Mondays 09:00 UTC: the weekly report in the incident channel. */
export const weeklyReportJob: Job = {
  id: 'weekly-report',
  schedule: '0 9 * * 1',
  timeoutMs: 10 * 60_000,
  async run(deps) {
    const r = await postWeeklyReport(deps);
    return `weekly report: ${r.incidents} incident(s), ${r.runbooks.length} runbook(s)`;
  },
};
