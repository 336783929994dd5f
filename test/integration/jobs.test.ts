import { mkdtemp, readFile, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Incident } from '../../src/core/incident.js';
import { newIncident } from '../../src/core/incident.js';
import type { Proposal } from '../../src/core/proposal.js';
import type { AuditRecord } from '../../src/core/audit.js';
import { createFolderSnapshotSink } from '../../src/adapters/snapshots/folder-sink.js';
import { approvalsJob } from '../../src/jobs/approvals.js';
import { staleIncidentsJob } from '../../src/jobs/stale-incidents.js';
import { dailySnapshotJob } from '../../src/jobs/daily-snapshot.js';
import { weeklyReportJob } from '../../src/jobs/weekly-report.js';
import { monthlyCalibrationJob } from '../../src/jobs/monthly-calibration.js';
import type { JobDeps } from '../../src/jobs/job.js';
import { CHANNEL, startHarness } from '../e2e/harness.js';
import type { Harness } from '../e2e/harness.js';

const MIN = 60_000;
const T0 = new Date('2026-11-02T09:00:00Z').getTime();

function fixedClock(start = T0) {
  let now = start;
  return { now: () => new Date(now), set: (t: number) => (now = t) };
}

async function load(name: string): Promise<unknown> {
  return JSON.parse(await readFile(`test/fixtures/alertmanager/${name}`, 'utf8'));
}

function withStart(payload: unknown, at: Date): unknown {
  const p = structuredClone(payload) as { alerts: { startsAt: string }[] };
  for (const a of p.alerts) a.startsAt = at.toISOString();
  return p;
}

describe('scheduled jobs, run directly with a fixed clock', () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  async function start(env: Record<string, string> = {}) {
    const clock = fixedClock();
    const snapshots = await mkdtemp(path.join(tmpdir(), 'snapshots-'));
    // The harness signs Slack requests with the real time; these tests send none.
    h = await startHarness(env, { clock, scheduler: false });
    const deps: JobDeps = { ...h.bot.deps, snapshots: createFolderSnapshotSink(snapshots) };
    return { clock, deps, snapshots, h };
  }

  const audit = async (hh: Harness, q: string) => (await hh.api<{ records: AuditRecord[] }>(`/api/audit?${q}`)).records;

  it('reminds approvers at half the window, pages after approval_pending_after, and expires after expires_after', async () => {
    const { clock, deps, h } = await start({ PAGERDUTY_ROUTING_KEY: '' });
    await h.postAlert('/alerts/alertmanager', withStart(await load('ec2-firing.json'), clock.now()));
    await h.settle();
    expect(await approvalsJob.run(deps)).toBe('0 expired, 0 reminded, 0 escalated');

    clock.set(T0 + 11 * MIN); // policy: escalation.approval_pending_after 10m
    expect(await approvalsJob.run(deps)).toBe('0 expired, 0 reminded, 1 escalated');
    expect(await audit(h, 'incident=INC-1&kind=escalation.triggered')).toHaveLength(1);

    clock.set(T0 + 16 * MIN); // medium: expires_after 30m → reminder from 15m, once
    await approvalsJob.run(deps);
    await approvalsJob.run(deps);
    expect(await audit(h, 'incident=INC-1&kind=approval.reminder')).toHaveLength(1);
    expect(await audit(h, 'incident=INC-1&kind=escalation.triggered')).toHaveLength(1);

    clock.set(T0 + 31 * MIN);
    expect(await approvalsJob.run(deps)).toMatch(/^1 expired/);
    await h.settle();
    const { proposals } = await h.api<{ proposals: Proposal[] }>('/api/incidents/INC-1');
    expect(proposals[0]?.status).toBe('expired');
    expect(await audit(h, 'incident=INC-1&kind=approval.expired')).toHaveLength(1);
    const lastUpdate = h.slack.callsTo('chat.update').filter((c) => c.ok).at(-1);
    expect(JSON.stringify(h.slack.calls.filter((c) => c.method === 'chat.update' && c.ok).map((c) => c.args.blocks))).toContain('approval expired');
    expect(lastUpdate).toBeDefined();
  });

  it('reminds about an incident silent for an hour, once per hour of silence', async () => {
    const { clock, deps, h } = await start({ DRY_RUN: 'true' });
    await h.postAlert('/alerts/alertmanager', withStart(await load('ecs-firing.json'), clock.now()));
    await h.settle();
    clock.set(T0 + 30 * MIN);
    expect(await staleIncidentsJob.run(deps)).toBe('0 stale incident(s) reminded');
    clock.set(T0 + 61 * MIN);
    expect(await staleIncidentsJob.run(deps)).toBe('1 stale incident(s) reminded');
    expect(await staleIncidentsJob.run(deps)).toBe('0 stale incident(s) reminded');
    clock.set(T0 + 121 * MIN);
    expect(await staleIncidentsJob.run(deps)).toBe('1 stale incident(s) reminded');
  });

  it('writes a daily snapshot with incidents, switches, buckets and cooldowns', async () => {
    const { deps, snapshots, h } = await start({ DRY_RUN: 'true' });
    await h.postAlert('/alerts/alertmanager', await load('ecs-firing.json'));
    await h.settle();
    await deps.killSwitches.set({ scope: 'service:web', engaged: true, by: 'U01ABCDEF', authority: 'ON_CALL_SRE', at: deps.clock.now().toISOString(), reason: 'deploy freeze' });
    expect(await dailySnapshotJob.run(deps)).toContain('snapshot-2026-11-02.json');
    const [file] = await readdir(snapshots);
    const snapshot = JSON.parse(await readFile(path.join(snapshots, file!), 'utf8'));
    expect(snapshot.incidents.map((i: Incident) => i.id)).toEqual(['INC-1']);
    expect(snapshot.killSwitches).toEqual([expect.objectContaining({ scope: 'service:web', reason: 'deploy freeze' })]);
    expect(Object.keys(snapshot.buckets)).toEqual(expect.arrayContaining(['authority:AUTO_ENGINE', 'action:restart']));
    expect(snapshot.cooldowns).toEqual([]);
  });

  /** A week of history written straight to the store: incidents with finished proposals. */
  async function seedHistory(deps: JobDeps, history: { alert: string; runbook?: string; status?: Proposal['status']; minutesToFix?: number; daysAgo: number }[]) {
    let n = 100;
    for (const item of history) {
      const openedAt = new Date(T0 - item.daysAgo * 86_400_000);
      const incident = newIncident(`INC-${n++}`, { source: 'alertmanager', groupKey: `g${n}`, fingerprint: `f${n}`, name: item.alert, status: 'firing', severity: 'warning', summary: item.alert, labels: {}, annotations: {}, startsAt: openedAt.toISOString() }, openedAt);
      await deps.incidents.create(incident);
      if (!item.runbook) continue;
      const finishedAt = new Date(openedAt.getTime() + (item.minutesToFix ?? 5) * MIN).toISOString();
      const plan = { runbookId: item.runbook, runbookVersion: 1, title: item.runbook, risk: 'low' as const, reversible: true, actionType: 'restart', service: 's', target: `t${n}`, action: { document: 'D', parameters: {} }, diagnostics: [], digest: `d${n}` };
      await deps.proposals.createIfAbsent({ id: `p${n}`, incidentId: incident.id, round: 0, plan, status: item.status ?? 'succeeded', requestedBy: 'automated', context: { labels: {}, annotations: {} }, approvalsRequired: 0, approvals: [], createdAt: openedAt.toISOString(), updatedAt: finishedAt, finishedAt, version: 0 });
    }
  }

  it('posts a weekly report with top alerts, runbook success rates, mean time to remediate and alerts without a runbook', async () => {
    const { deps, h } = await start({ DRY_RUN: 'true' });
    await seedHistory(deps, [
      { alert: 'ECSServiceTasksBelowDesired', runbook: 'ecs-force-new-deployment', minutesToFix: 4, daysAgo: 1 },
      { alert: 'ECSServiceTasksBelowDesired', runbook: 'ecs-force-new-deployment', status: 'failed', daysAgo: 2 },
      { alert: 'ECSServiceTasksBelowDesired', runbook: 'ecs-force-new-deployment', minutesToFix: 8, daysAgo: 3 },
      { alert: 'DiskAlmostFull', daysAgo: 2 },
      { alert: 'OldNews', runbook: 'ecs-force-new-deployment', daysAgo: 9 },
    ]);
    expect(await weeklyReportJob.run(deps)).toBe('weekly report: 4 incident(s), 1 runbook(s)');
    const [report] = await audit(h, 'kind=report.weekly');
    expect(report?.details).toMatchObject({
      incidents: 4,
      topAlerts: [{ name: 'ECSServiceTasksBelowDesired', count: 3 }, { name: 'DiskAlmostFull', count: 1 }],
      runbooks: [{ runbook: 'ecs-force-new-deployment', runs: 3, succeeded: 2, failed: 1 }],
      meanTimeToRemediateMs: 6 * MIN,
      alertsWithoutRunbook: [{ name: 'DiskAlmostFull', count: 1 }],
    });
    // The report reaches the channel through Slack delivery, from its audit record.
    await h.settle();
    const posted = h.slack.callsTo('chat.postMessage').find((c) => /^\*?Weekly report/.test(String(c.args.text)));
    expect(posted?.args.channel).toBe(CHANNEL);
    expect(String(posted?.args.text)).toContain('67% succeeded');
  });

  it('proposes a stricter risk level for runbooks below 80% success over 30 days, and only those', async () => {
    const { deps, h } = await start({ DRY_RUN: 'true' });
    await seedHistory(deps, [
      ...[1, 2, 3, 4].map((d) => ({ alert: 'A', runbook: 'ecs-force-new-deployment', status: (d <= 2 ? 'failed' : 'succeeded') as Proposal['status'], daysAgo: d })),
      ...[1, 2, 3, 4, 5].map((d) => ({ alert: 'B', runbook: 'ec2-stop-start-instance', status: (d === 1 ? 'failed' : 'succeeded') as Proposal['status'], daysAgo: d })),
      ...[40, 41, 42].map((d) => ({ alert: 'C', runbook: 'sg-revoke-open-ssh', status: 'failed' as Proposal['status'], daysAgo: d })),
    ]);
    expect(await monthlyCalibrationJob.run(deps)).toBe('1 runbook(s) proposed for a stricter risk level');
    const [record] = await audit(h, 'kind=report.calibration');
    expect(record?.details?.calibration).toEqual([{ runbook: 'ecs-force-new-deployment', risk: 'low', proposedRisk: 'medium', successRate: 0.5, runs: 4 }]);
    await h.settle();
    const posted = h.slack.callsTo('chat.postMessage').find((c) => String(c.args.text).includes('Calibration'));
    expect(posted?.args.channel).toBe(CHANNEL);
    expect(String(posted?.args.text)).toContain('ecs-force-new-deployment');
  });

});
