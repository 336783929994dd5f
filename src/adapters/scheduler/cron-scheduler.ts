import { CronJob } from 'cron';
import type { Job, JobDeps } from '../../jobs/job.js';
import type { LeaseStore } from '../../services/ports.js';
import { runJobTick } from '../../services/run-job.js';

/** Starts every job on its cron schedule (UTC). Returns a function that stops them all. */
export function startScheduler(
  deps: JobDeps,
  leases: LeaseStore,
  jobs: readonly Job[],
  /** Runs a tick tracked, so shutdown waits for it. */
  track: (key: string, work: () => Promise<void>) => Promise<void>,
): () => void {
  const running = jobs.map((job) =>
    CronJob.from({
      cronTime: job.schedule,
      timeZone: 'UTC',
      start: true,
      onTick: () => {
        const tick = new Date(Math.floor(deps.clock.now().getTime() / 60_000) * 60_000);
        void track(`job:${job.id}`, async () => {
          await runJobTick(deps, leases, job, tick);
        });
      },
    }),
  );
  return () => running.forEach((j) => j.stop());
}
