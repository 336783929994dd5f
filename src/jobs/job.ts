import type { ServiceDeps } from '../services/deps.js';

/**
 * A scheduled job: a cron schedule and a function of the services. Tests call `run(deps)` with a
 * fixed clock instead of waiting for the schedule.
 */
export interface Job {
  id: string;
  /** Cron expression (minute resolution, UTC). */
  schedule: string;
  /** Stop waiting for the job after this long (its lease covers the same time). */
  timeoutMs: number;
  run(deps: ServiceDeps): Promise<string>;
}
