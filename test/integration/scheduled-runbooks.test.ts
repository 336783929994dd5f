import { cp, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { AuditRecord } from '../../src/core/audit.js';
import type { Incident } from '../../src/core/incident.js';
import type { Proposal } from '../../src/core/proposal.js';
import { createDynamoLeaseStore } from '../../src/adapters/stores/dynamo-lease-store.js';
import { startSharedStore } from '../e2e/shared-store.js';
import type { SharedStore } from '../e2e/shared-store.js';
import { scheduledRunbooksJob } from '../../src/jobs/scheduled-runbooks.js';
import type { JobDeps } from '../../src/jobs/job.js';
import { runJobTick } from '../../src/services/run-job.js';
import { CHANNEL, USERS, startHarness } from '../e2e/harness.js';
import type { Harness } from '../e2e/harness.js';

/** Wednesday 2026-11-04 02:00 UTC: the snapshot cleanup's minute; Sunday 2026-11-08 01:00: the rotation's. */
const NIGHT = Date.parse('2026-11-04T02:00:00Z');
const SUNDAY = Date.parse('2026-11-08T01:00:00Z');
const MIN = 60_000;

const VOLUMES = { 'CollectDiagnostics.Targets': ['{"volume_id":"vol-0123456789abcdef0","snapshots":"3"}', '{"volume_id":"vol-0fedcba9876543210","snapshots":"1"}'] };

function fixedClock(start: number) {
  let now = start;
  return { now: () => new Date(now), set: (t: number) => (now = t) };
}

const jobDeps = (h: Harness): JobDeps => ({ ...h.bot.deps, snapshots: { write: async (name) => name } });
const audit = async (h: Harness, q: string) => (await h.api<{ records: AuditRecord[] }>(`/api/audit?${q}`)).records;
const incident = (h: Harness, id: string) => h.api<{ incident: Incident; proposals: Proposal[] }>(`/api/incidents/${id}`);

describe('scheduled runbooks, one tick driven directly with a fixed clock', () => {
  let h: Harness | undefined;
  let runbooks: string | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
    if (runbooks) await rm(runbooks, { recursive: true, force: true });
    runbooks = undefined;
  });

  async function start(at: number, env: Record<string, string> = {}) {
    const clock = fixedClock(at);
    h = await startHarness(env, { clock, scheduler: false, catalogueWatch: false });
    return { clock, h, deps: jobDeps(h) };
  }

  it('deletes old non-production snapshots at 02:00 UTC: discovery, one incident, one proposal per volume, each waiting for approval', async () => {
    const { clock, h: hh, deps } = await start(NIGHT);
    hh.ssm.script.setOutputs('ChatOps-DiscoverNonProdSnapshotVolumes', VOLUMES);
    clock.set(NIGHT - MIN);
    expect(await scheduledRunbooksJob.run(deps)).toBe('0 scheduled run(s) started, 0 finished run(s) closed');
    clock.set(NIGHT + 20_000); // any second of the minute is the 02:00 tick
    expect(await scheduledRunbooksJob.run(deps)).toBe('1 scheduled run(s) started (ebs-delete-old-snapshots), 0 finished run(s) closed');
    await hh.settle();

    const discovery = hh.ssm.callsTo('StartAutomationExecution').filter((c) => c.input.DocumentName === 'ChatOps-DiscoverNonProdSnapshotVolumes');
    expect(discovery).toHaveLength(1);
    expect(discovery[0]?.input.Parameters).toEqual({ MaxAgeDays: ['30'], MaxTargets: ['50'] });
    const { incident: run, proposals } = await incident(hh, 'INC-1');
    expect(run).toMatchObject({ source: 'schedule', severity: 'info', status: 'open' });
    expect(proposals.map((p) => [p.plan.target, p.status, p.approvalsRequired]).sort()).toEqual([
      ['ebs:vol-0123456789abcdef0', 'pending_approval', 1],
      ['ebs:vol-0fedcba9876543210', 'pending_approval', 1],
    ]);
    // Its own thread: the root message, then the proposals with their buttons.
    const root = hh.slack.messageWith('incident_id', 'INC-1');
    expect(JSON.stringify(root?.blocks)).toContain('Scheduled run of');
    expect(hh.slack.messages(CHANNEL).filter((m) => m.thread_ts === root?.ts && JSON.stringify(m.blocks).includes('approve_proposal'))).toHaveLength(2);
    // Nothing was deleted before anyone approved.
    expect(hh.ssm.callsTo('StartAutomationExecution').filter((c) => c.input.DocumentName === 'ChatOps-EBSDeleteOldSnapshots')).toEqual([]);

    // The same tick again (a retried job) joins the same run: no second discovery, no new proposal.
    await scheduledRunbooksJob.run(deps);
    await hh.settle();
    expect((await incident(hh, 'INC-1')).proposals).toHaveLength(2);
    // Its ClientToken comes from the runbook and the tick: SSM answers with the same execution.
    expect(hh.ssm.executions.filter((e) => e.documentName === 'ChatOps-DiscoverNonProdSnapshotVolumes')).toHaveLength(1);

    // Approved, one runs through the guard chain into SSM; rejected, the other ends.
    const [first, second] = [...proposals].sort((a, b) => a.plan.target.localeCompare(b.plan.target));
    // Signed at the bot's time: it checks Slack's 5-minute window against its own clock.
    const signedAt = { timestampSeconds: Math.floor(clock.now().getTime() / 1000) };
    expect((await hh.click('approve_proposal', first!.id, USERS.sre, signedAt)).status).toBe(200);
    expect((await hh.click('reject_proposal', second!.id, USERS.sre, signedAt)).status).toBe(200);
    await hh.settle();
    const deletes = hh.ssm.callsTo('StartAutomationExecution').filter((c) => c.input.DocumentName === 'ChatOps-EBSDeleteOldSnapshots');
    expect(deletes).toHaveLength(1);
    expect(deletes[0]?.input).toMatchObject({ DocumentName: 'ChatOps-EBSDeleteOldSnapshots', Parameters: { VolumeId: ['vol-0123456789abcdef0'], MaxAgeDays: ['30'] }, ClientToken: first!.id });

    // Every proposal finished: the next tick closes the run, and its summary follows.
    clock.set(NIGHT + MIN);
    expect(await scheduledRunbooksJob.run(deps)).toBe('0 scheduled run(s) started, 1 finished run(s) closed');
    await hh.settle();
    expect((await incident(hh, 'INC-1')).incident.status).toBe('resolved');
    expect(await audit(hh, 'incident=INC-1&kind=incident.summary')).toHaveLength(1);
  });

  it('rotates non-production IAM keys on Sunday 01:00 UTC only, by itself (low risk) through the guard chain', async () => {
    const { clock, h: hh, deps } = await start(SUNDAY - 86_400_000);
    hh.ssm.script.setOutputs('ChatOps-DiscoverNonProdAccessKeys', { 'CollectDiagnostics.Targets': ['{"user_name":"ci-staging"}', 'not json', '{"user_name":"bad name!"}'] });
    expect(await scheduledRunbooksJob.run(deps)).toMatch(/^0 scheduled run/); // Saturday 01:00
    clock.set(SUNDAY);
    expect(await scheduledRunbooksJob.run(deps)).toMatch(/^1 scheduled run\(s\) started \(iam-rotate-access-keys\)/);
    await hh.settle();
    const rotations = hh.ssm.callsTo('StartAutomationExecution').filter((c) => c.input.DocumentName === 'ChatOps-IAMRotateAccessKey');
    expect(rotations.map((c) => c.input.Parameters)).toEqual([{ User: ['ci-staging'], MaxAgeDays: ['6'] }]);
    // The malformed entry was skipped; the one whose name fails the parameter pattern is named.
    const [invalid] = await audit(hh, 'incident=INC-1&kind=proposal.invalid');
    expect(invalid?.details).toMatchObject({ parameter: 'User' });
    expect(await audit(hh, 'incident=INC-1&kind=action.succeeded')).toHaveLength(1);
    const [created] = await audit(hh, 'incident=INC-1&kind=proposal.created');
    expect(created).toMatchObject({ trigger: 'schedule', runbook: 'iam-rotate-access-keys' });
  });

  it('runs fixed targets through the same guards (a kill switch stops them), and under DRY_RUN starts no discovery', async () => {
    runbooks = await mkdtemp(path.join(tmpdir(), 'runbooks-scheduled-'));
    await cp('runbooks', runbooks, { recursive: true });
    await writeFile(path.join(runbooks, 'ecs-nightly-redeploy.yaml'), `
id: ecs-nightly-redeploy
title: Redeploy the staging services every night
version: 1
schedule: '30 3 * * *'
targets: [{ cluster: staging, service: api }, { cluster: staging, service: worker }]
risk: low
reversible: true
action_type: restart
service: "{{labels.service}}"
target: "ecs:{{labels.cluster}}/{{labels.service}}"
parameters:
  Cluster: { from: "{{labels.cluster}}", pattern: "^[A-Za-z0-9_-]{1,255}$" }
  Service: { from: "{{labels.service}}", pattern: "^[A-Za-z0-9_-]{1,255}$" }
action:
  ssm: { document: ChatOps-ECSForceNewDeployment, parameters: [Cluster, Service] }
cooldown: 1h
`);
    const { h: hh, deps } = await start(Date.parse('2026-11-04T03:30:00Z'), { RUNBOOKS_DIR: runbooks, POLICY_FILE: path.join(runbooks, 'policy.yaml') });
    await deps.killSwitches.set({ scope: 'service:worker', engaged: true, by: USERS.sre, authority: 'ON_CALL_SRE', at: deps.clock.now().toISOString(), reason: 'worker migration' });
    expect(await scheduledRunbooksJob.run(deps)).toMatch(/^1 scheduled run\(s\) started \(ecs-nightly-redeploy\)/);
    await hh.settle();
    const { proposals } = await incident(hh, 'INC-1');
    expect(Object.fromEntries(proposals.map((p) => [p.plan.target, p.status]))).toEqual({ 'ecs:staging/api': 'succeeded', 'ecs:staging/worker': 'blocked' });
    const [refused] = await audit(hh, 'incident=INC-1&kind=action.refused');
    expect(refused?.details).toMatchObject({ guard: 'kill_switch' });
    await hh.close();

    const dry = await start(NIGHT, { DRY_RUN: 'true' });
    h = dry.h;
    expect(await scheduledRunbooksJob.run(dry.deps)).toMatch(/^0 scheduled run/);
    expect(dry.h.ssm.callsTo('StartAutomationExecution')).toEqual([]);
    const [recorded] = await audit(dry.h, 'incident=CONTROLS&kind=schedule.dry_run');
    expect(recorded).toMatchObject({ runbook: 'ebs-delete-old-snapshots', details: { request: { DocumentName: 'ChatOps-DiscoverNonProdSnapshotVolumes' } } });
  });
});

describe('scheduled runbooks across replicas', () => {
  let store: SharedStore;
  let a: Harness;
  let b: Harness;
  let clock: ReturnType<typeof fixedClock>;

  beforeAll(async () => {
    store = await startSharedStore();
    clock = fixedClock(NIGHT);
    a = await startHarness(store.env, { clock, scheduler: false, catalogueWatch: false });
    b = await startHarness(store.env, { clock, scheduler: false, catalogueWatch: false });
  });
  afterAll(async () => {
    await a.close();
    await b.close();
    await store.close();
  });

  it('runs the 02:00 tick on one replica only (the job lease): one discovery, one incident', async () => {
    for (const h of [a, b]) h.ssm.script.setOutputs('ChatOps-DiscoverNonProdSnapshotVolumes', VOLUMES);
    // Leases expire by the bots' clock, which reads 02:00.
    // Each replica's own lease store, as each bot process has.
    const [leasesA, leasesB] = [0, 1].map(() => createDynamoLeaseStore({ doc: store.doc, prefix: 'chatops-', clock }));
    const tick = new Date(NIGHT);
    const outcomes = await Promise.all([runJobTick(jobDeps(a), leasesA!, scheduledRunbooksJob, tick), runJobTick(jobDeps(b), leasesB!, scheduledRunbooksJob, tick)]);
    expect(outcomes.filter((o) => o.ran)).toHaveLength(1);
    await Promise.all([a.settle(), b.settle()]);
    const discoveries = [a, b].flatMap((h) => h.ssm.callsTo('StartAutomationExecution').filter((c) => c.input.DocumentName === 'ChatOps-DiscoverNonProdSnapshotVolumes'));
    expect(discoveries).toHaveLength(1);
    const { incidents } = await a.api<{ incidents: Incident[] }>('/api/incidents');
    expect(incidents.map((i) => i.source)).toEqual(['schedule']);
  });
});
