import type { ServiceDeps } from '../services/deps.js';
import type { SnapshotSink } from '../services/snapshot.js';

/** What a job may use: the services, and where snapshots go. */
export interface JobDeps extends ServiceDeps {
  snapshots: SnapshotSink;
}

/**
 * A scheduled job: a cron schedule and a function of the services. Tests call `run(deps)` with a
 * fixed clock instead of waiting for the schedule.
 */
export interface Job {
  id: string;
  /** Cron expression (UTC). */
  schedule: string;
  /** Stop waiting for the job after this long (its lease covers the same time). */
  timeoutMs: number;
  run(deps: JobDeps): Promise<string>;
}
