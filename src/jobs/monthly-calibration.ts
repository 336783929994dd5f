import { postCalibration } from '../services/reports.js';
import type { Job } from './job.js';

/** The 1st of each month, 09:00 UTC: runbooks below 80% success proposed for a stricter risk level. */
export const monthlyCalibrationJob: Job = {
  id: 'monthly-calibration',
  schedule: '0 9 1 * *',
  timeoutMs: 10 * 60_000,
  async run(deps) {
    const picks = await postCalibration(deps);
    return `${picks.length} runbook(s) proposed for a stricter risk level`;
  },
};
