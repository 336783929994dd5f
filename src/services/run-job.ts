import type { Job, JobDeps } from '../jobs/job.js';
import type { LeaseStore } from './ports.js';

export type JobOutcome = { ran: true; ok: boolean; summary: string } | { ran: false; reason: string };

/**
 * One tick of a job on one of possibly several replicas: the lease `job#<id>#<tick>` makes sure
 * exactly one replica runs it. A failing job is logged and counted; it never stops the scheduler.
 */
export async function runJobTick(deps: JobDeps, leases: LeaseStore, job: Job, tick: Date): Promise<JobOutcome> {
  const tickKey = `job#${job.id}#${tick.toISOString().slice(0, 16)}`;
  let acquired: boolean;
  try {
    // Held for the job's timeout from now: a replica that dies mid-run frees the tick after that.
    acquired = await leases.acquire(tickKey, deps.replicaId, new Date(deps.clock.now().getTime() + job.timeoutMs));
  } catch (err) {
    deps.metrics.jobRun(job.id, 'lease_error');
    deps.log.warn({ err, job: job.id }, 'could not take the job lease; skipping this tick');
    return { ran: false, reason: 'lease unavailable' };
  }
  if (!acquired) return { ran: false, reason: 'another replica runs this tick' };
  const log = deps.log.child({ job: job.id });
  try {
    const summary = await Promise.race([
      job.run(deps),
      new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`timed out after ${job.timeoutMs} ms`)), job.timeoutMs).unref()),
    ]);
    deps.metrics.jobRun(job.id, 'success');
    log.info({ summary }, 'job ran');
    return { ran: true, ok: true, summary };
  } catch (err) {
    deps.metrics.jobRun(job.id, 'failure');
    log.error({ err }, 'job failed');
    return { ran: true, ok: false, summary: (err as Error).message };
  }
}
