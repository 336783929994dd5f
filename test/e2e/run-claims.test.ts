import { readFile } from 'node:fs/promises';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { AuditRecord } from '../../src/core/audit.js';
import type { Incident } from '../../src/core/incident.js';
import type { Proposal } from '../../src/core/proposal.js';
import { resumeStalledProposals } from '../../src/services/resume-stalled.js';
import { USERS, startHarness } from './harness.js';
import type { Harness } from './harness.js';
import { alertmanagerEpisodes } from './alertmanager-episodes.js';
import type { AmPayload } from './alertmanager-episodes.js';

const fixture = async (name: string) => JSON.parse(await readFile(`test/fixtures/alertmanager/${name}`, 'utf8')) as AmPayload;
const EC2_ACTION = 'ChatOps-EC2StopStartInstance';
const ECS_ACTION = 'ChatOps-ECSForceNewDeployment';

/**
 * Issue 9's "an action runs that should not": a run is claimed only for a current proposal of an
 * unresolved incident, and a start whose answer was lost is found out before anything is called failed.
 */
describe('a run starts only while its incident is unresolved and its proposal current', () => {
  let h: Harness;
  afterEach(async () => h.close());

  const proposalsOf = async (id: string) => (await h.api<{ proposals: Proposal[] }>(`/api/incidents/${id}`)).proposals;
  const audit = async (q: string) => (await h.api<{ records: AuditRecord[] }>(`/api/audit?${q}`)).records;
  const startsOf = (document: string) => h.ssm.callsTo('StartAutomationExecution').filter((c) => c.input.DocumentName === document);

  it('refuses an Approve click that comes after the incident resolved: the resolution withdrew the proposal before its 200', async () => {
    h = await startHarness();
    const at = alertmanagerEpisodes();
    const ec2 = await fixture('ec2-firing.json');
    expect((await h.postAlert('/alerts/alertmanager', at(ec2, 'firing', new Date()))).status).toBe(200);
    await h.settle();
    const [pending] = await proposalsOf('INC-1');
    expect(pending?.status).toBe('pending_approval');
    // The alerts clear; the answer comes once the resolution is complete. No settle: nothing queued may matter.
    expect((await h.postAlert('/alerts/alertmanager', at(ec2, 'resolved', new Date()))).status).toBe(200);
    expect(await h.bot.deps.proposals.get(pending!.id)).toMatchObject({ status: 'withdrawn' });
    expect((await h.click('approve_proposal', pending!.id, USERS.operator)).status).toBe(200);
    await h.settle();
    expect(startsOf(EC2_ACTION)).toEqual([]);
    expect(await audit('incident=INC-1&kind=approval.granted')).toEqual([]);
    expect(await audit('incident=INC-1&kind=proposal.withdrawn')).toHaveLength(1);
  });

  it('refuses an Approve click after /incident resolve, the same way', async () => {
    h = await startHarness();
    expect((await h.postAlert('/alerts/alertmanager', await fixture('ec2-firing.json'))).status).toBe(200);
    await h.settle();
    const [pending] = await proposalsOf('INC-1');
    await h.command('/incident', 'resolve INC-1 fixed by hand', USERS.sre);
    await vi.waitFor(async () => expect((await h.bot.deps.proposals.get(pending!.id))?.status).toBe('withdrawn'), { timeout: 5000, interval: 20 });
    expect((await h.click('approve_proposal', pending!.id, USERS.operator)).status).toBe(200);
    await h.settle();
    expect(startsOf(EC2_ACTION)).toEqual([]);
  });

  it('follows an execution whose start answer was lost four times, instead of calling it failed and offering a rollback', async () => {
    h = await startHarness();
    // SSM makes the execution, and every answer to the start is a 500.
    h.ssm.script.loseAnswers('StartAutomationExecution', 4, ECS_ACTION);
    expect((await h.postAlert('/alerts/alertmanager', await fixture('ecs-firing.json'))).status).toBe(200);
    await h.settle();
    expect(h.ssm.executions.filter((e) => e.documentName === ECS_ACTION)).toHaveLength(1);
    const [action] = (await proposalsOf('INC-1')).filter((p) => p.plan.action.document === ECS_ACTION);
    expect(action).toMatchObject({ status: 'succeeded', executionId: h.ssm.executions.find((e) => e.documentName === ECS_ACTION)?.executionId });
    expect(h.ssm.callsTo('DescribeAutomationExecutions')).toHaveLength(1);
    expect((await proposalsOf('INC-1')).filter((p) => p.rollbackOf)).toEqual([]);
    expect(await audit('incident=INC-1&kind=action.failed')).toEqual([]);
  });

  it('keeps a run whose start outcome SSM cannot tell running (no failure, no rollback), and follows it once SSM can', async () => {
    h = await startHarness();
    h.ssm.script.loseAnswers('StartAutomationExecution', 4, ECS_ACTION);
    h.ssm.script.failNext('DescribeAutomationExecutions', 4, 'InternalServerError');
    expect((await h.postAlert('/alerts/alertmanager', await fixture('ecs-firing.json'))).status).toBe(200);
    await h.settle();
    const [action] = (await proposalsOf('INC-1')).filter((p) => p.plan.action.document === ECS_ACTION);
    expect(action).toMatchObject({ status: 'running' });
    expect(action?.executionId).toBeUndefined();
    expect(await audit('incident=INC-1&kind=action.tracking_lost')).toHaveLength(1);
    expect((await proposalsOf('INC-1')).filter((p) => p.rollbackOf)).toEqual([]);

    // The in-flight job asks SSM again: the execution is found, followed, and not started twice.
    h.bot.deps.clock = { now: () => new Date(Date.now() + 5 * 60_000) };
    expect(await resumeStalledProposals(h.bot.deps)).toBe(1);
    await h.settle();
    expect(await h.bot.deps.proposals.get(action!.id)).toMatchObject({ status: 'succeeded' });
    expect(h.ssm.executions.filter((e) => e.documentName === ECS_ACTION)).toHaveLength(1);
  });

  it('records a run that took its document\'s eligibility exit as skipped: no cooldown, no mitigation, not a success', async () => {
    h = await startHarness();
    h.ssm.script.setOutputs(ECS_ACTION, { 'CollectDiagnostics.Eligible': ['False'], 'CollectDiagnostics.Reason': ['checkout-api already runs every task it wants'] });
    expect((await h.postAlert('/alerts/alertmanager', await fixture('ecs-firing.json'))).status).toBe(200);
    await h.settle();
    const [action] = (await proposalsOf('INC-1')).filter((p) => p.plan.action.document === ECS_ACTION);
    expect(action).toMatchObject({ status: 'skipped', reason: 'not eligible: checkout-api already runs every task it wants' });
    expect(await audit('incident=INC-1&kind=action.skipped')).toMatchObject([{ outcome: 'SKIPPED', details: { reason: 'not eligible: checkout-api already runs every task it wants' } }]);
    expect(await audit('incident=INC-1&kind=action.succeeded')).toEqual([]);
    expect((await h.api<{ incident: Incident }>('/api/incidents/INC-1')).incident.status).toBe('open');
    expect(await h.bot.deps.cooldowns.listActive()).toEqual([]);
  });

  it('takes an alert whose summary is 500 KB: stored clipped, the incident keeps working and resolves as usual', async () => {
    h = await startHarness();
    const at = alertmanagerEpisodes();
    const ec2 = await fixture('ec2-firing.json');
    expect((await h.postAlert('/alerts/alertmanager', at(ec2, 'firing', new Date()))).status).toBe(200);
    await h.settle();
    const huge = structuredClone(ec2) as AmPayload & { alerts: { fingerprint: string; labels: Record<string, string>; annotations: Record<string, string> }[] };
    huge.alerts[0]!.fingerprint = 'second-alert';
    huge.alerts[0]!.labels.instance_id = 'i-0def4567890abc123';
    huge.alerts[0]!.annotations.summary = 'x'.repeat(500_000);
    const joined = await h.postAlert('/alerts/alertmanager', at(huge, 'firing', new Date()));
    expect(joined.status).toBe(200);
    await h.settle();
    const [record] = (await audit('incident=INC-1&kind=alert.received')).filter((r) => r.details?.fingerprint === 'second-alert');
    expect(record?.details?.clipped).toContain('summary');
    expect(String(record?.details?.summary).length).toBeLessThan(3000);
    const waiting = (await proposalsOf('INC-1')).filter((p) => p.status === 'pending_approval');
    expect(waiting).toHaveLength(2);

    for (const payload of [ec2, huge]) expect((await h.postAlert('/alerts/alertmanager', at(payload as AmPayload, 'resolved', new Date()))).status).toBe(200);
    await h.settle();
    expect((await h.api<{ incident: Incident }>('/api/incidents/INC-1')).incident.status).toBe('resolved');
    expect(await audit('incident=INC-1&kind=incident.resolved')).toHaveLength(1);
    expect((await proposalsOf('INC-1')).map((p) => p.status)).toEqual(['withdrawn', 'withdrawn']);
    expect((await h.click('approve_proposal', waiting[0]!.id, USERS.operator)).status).toBe(200);
    await h.settle();
    expect(startsOf(EC2_ACTION)).toEqual([]);
  });
});
