import { remindStaleIncidents } from '../services/stale-incidents.js';
import type { Job } from './job.js';

/** Every 10 minutes: a reminder in the thread of each incident silent for an hour. */
export const staleIncidentsJob: Job = {
  id: 'stale-incidents',
  schedule: '*/10 * * * *',
  timeoutMs: 5 * 60_000,
  async run(deps) {
    return `${await remindStaleIncidents(deps)} stale incident(s) reminded`;
  },
};
