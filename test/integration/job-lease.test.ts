import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDynamoLeaseStore } from '../../src/adapters/stores/dynamo-lease-store.js';
import { startSharedStore } from '../e2e/shared-store.js';
import type { SharedStore } from '../e2e/shared-store.js';
import { runJobTick } from '../../src/services/run-job.js';
import type { Job, JobDeps } from '../../src/jobs/job.js';
import { startHarness } from '../e2e/harness.js';
import type { Harness } from '../e2e/harness.js';

const jobDeps = (h: Harness): JobDeps => ({ ...h.bot.deps, snapshots: { write: async (name) => name } });

describe('scheduled jobs across replicas', () => {
  let store: SharedStore;
  let a: Harness;
  let b: Harness;

  beforeAll(async () => {
    store = await startSharedStore();
    a = await startHarness(store.env, { scheduler: false });
    b = await startHarness(store.env, { scheduler: false });
  });
  afterAll(async () => {
    await a.close();
    await b.close();
    await store.close();
  });

  it('runs each tick once when two replicas tick together, and again on the next tick', async () => {
    let runs = 0;
    const job: Job = { id: 'count', schedule: '* * * * *', timeoutMs: 5000, run: async () => `run ${++runs}` };
    // Each replica's own lease store, as each bot process has.
    const [leasesA, leasesB] = [0, 1].map(() => createDynamoLeaseStore({ doc: store.doc, prefix: 'chatops-' }));
    const tick = new Date('2026-11-23T10:00:00Z');
    const outcomes = await Promise.all([runJobTick(jobDeps(a), leasesA!, job, tick), runJobTick(jobDeps(b), leasesB!, job, tick)]);
    expect(runs).toBe(1);
    expect(outcomes.filter((o) => o.ran)).toHaveLength(1);
    await Promise.all([runJobTick(jobDeps(a), leasesA!, job, new Date('2026-11-23T10:01:00Z')), runJobTick(jobDeps(b), leasesB!, job, new Date('2026-11-23T10:01:00Z'))]);
    expect(runs).toBe(2);
  });

  it('counts a failing job and keeps going', async () => {
    const job: Job = { id: 'broken', schedule: '* * * * *', timeoutMs: 5000, run: async () => Promise.reject(new Error('boom')) };
    const outcome = await runJobTick(jobDeps(a), createDynamoLeaseStore({ doc: store.doc, prefix: 'chatops-' }), job, new Date('2026-11-23T11:00:00Z'));
    expect(outcome).toEqual({ ran: true, ok: false, summary: 'boom' });
    const metrics = await (await fetch(`${a.bot.url}/metrics`)).text();
    expect(metrics).toMatch(/chatops_job_runs_total\{job="broken",outcome="failure"\} 1/);
  });
});
