import { resumeStalledProposals } from '../services/resume-stalled.js';
import type { Job } from './job.js';

/** Every minute: drive again any in-flight proposal that has stalled (see resumeStalledProposals). */
export const resumeInFlightJob: Job = {
  id: 'resume-in-flight',
  schedule: '* * * * *',
  timeoutMs: 50_000,
  async run(deps) {
    return `${await resumeStalledProposals(deps)} stalled proposal(s) driven again`;
  },
};
