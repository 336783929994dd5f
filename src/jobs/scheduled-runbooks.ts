import { runScheduledRunbooks } from '../services/scheduled-runs.js';
import type { Job } from './job.js';

/** Every minute: the scheduled runbooks whose cron names this minute run; finished runs are closed. */
export const scheduledRunbooksJob: Job = {
  id: 'scheduled-runbooks',
  schedule: '* * * * *',
  // A discovery document can take minutes; ticks of this job queue behind each other.
  timeoutMs: 5 * 60_000,
  async run(deps) {
    const tick = new Date(Math.floor(deps.clock.now().getTime() / 60_000) * 60_000);
    const r = await runScheduledRunbooks(deps, tick);
    return `${r.started.length} scheduled run(s) started${r.started.length ? ` (${r.started.join(', ')})` : ''}, ${r.closed} finished run(s) closed`;
  },
};
