import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Incident } from '../../src/core/incident.js';
import type { Proposal } from '../../src/core/proposal.js';
import type { AuditRecord } from '../../src/core/audit.js';
import { CHANNEL, SECRETS, USERS, startHarness } from './harness.js';
import type { Harness } from './harness.js';

const fixture = async (name: string) => JSON.parse(await readFile(`test/fixtures/alertmanager/${name}`, 'utf8')) as unknown;

type IncidentList = { incidents: (Incident & { proposals: Proposal[] })[] };

describe('alert → Slack thread → diagnostics → proposal → approval → SSM → audit (medium risk)', () => {
  let h: Harness;
  let proposal: Proposal;

  beforeAll(async () => {
    h = await startHarness();
    h.ssm.script.setOutputs('ChatOps-CollectDiagnostics-EC2', { 'CollectDiagnostics.InstanceState': ['running'], 'CollectDiagnostics.SystemStatus': ['impaired'] });
  });
  afterAll(async () => h.close());

  it('answers the webhook once the alert is stored and opens one incident', async () => {
    const res = await h.postAlert('/alerts/alertmanager', await fixture('ec2-firing.json'));
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ accepted: 1, incidents: ['INC-1'] });
    await h.settle();
    const { incidents } = await h.api<IncidentList>('/api/incidents');
    expect(incidents).toHaveLength(1);
    expect(incidents[0]?.proposals).toHaveLength(1);
    proposal = incidents[0]!.proposals[0]!;
    expect(proposal).toMatchObject({ status: 'pending_approval', approvalsRequired: 1, plan: { runbookId: 'ec2-stop-start-instance', target: 'ec2:i-0abc123def4567890', risk: 'medium' } });
  });

  it('posts a root message, then diagnostics and the proposal with buttons in its thread', () => {
    const posts = h.slack.callsTo('chat.postMessage').filter((c) => c.ok);
    const root = posts.find((c) => c.args.thread_ts === undefined);
    expect(root?.args.channel).toBe(CHANNEL);
    expect(JSON.stringify(root?.args.blocks)).toContain('INC-1');
    const rootTs = h.slack.messages(CHANNEL).find((m) => !m.thread_ts)?.ts;
    const thread = posts.filter((c) => c.args.thread_ts === rootTs).map((c) => JSON.stringify(c.args.blocks));
    const diagnostics = thread.findIndex((b) => b.includes('ChatOps-CollectDiagnostics-EC2') && b.includes('impaired'));
    const plan = thread.findIndex((b) => b.includes('approve_proposal') && b.includes('reject_proposal') && b.includes('dry_run_proposal'));
    expect(diagnostics).toBeGreaterThanOrEqual(0);
    expect(plan).toBeGreaterThan(diagnostics);
    expect(thread[plan]).toContain('ChatOps-EC2StopStartInstance');
    expect(thread[plan]).toContain('i-0abc123def4567890');
  });

  it('ran only the read-only diagnostics before anyone approved', () => {
    expect(h.ssm.executions.map((e) => e.documentName)).toEqual(['ChatOps-CollectDiagnostics-EC2']);
  });

  it('acks a signed Approve from an allowed user and starts exactly one automation with the plan', async () => {
    const res = await h.click('approve_proposal', proposal.id, USERS.operator);
    expect(res.status).toBe(200);
    await h.settle();
    const starts = h.ssm.callsTo('StartAutomationExecution').filter((c) => c.input.DocumentName === 'ChatOps-EC2StopStartInstance');
    expect(starts).toHaveLength(1);
    expect(starts[0]?.input).toMatchObject({ DocumentName: 'ChatOps-EC2StopStartInstance', Parameters: { InstanceId: ['i-0abc123def4567890'] }, ClientToken: proposal.id });
    const action = h.ssm.executions.find((e) => e.documentName === 'ChatOps-EC2StopStartInstance');
    expect(action?.status).toBe('Success');
  });

  it('shows success in the thread and on the root message', async () => {
    const rootTs = h.slack.messages(CHANNEL).find((m) => !m.thread_ts)?.ts;
    const root = h.slack.messages(CHANNEL).find((m) => m.ts === rootTs);
    expect(JSON.stringify(root?.blocks)).toContain('succeeded');
    const thread = h.slack.messages(CHANNEL).filter((m) => m.thread_ts === rootTs).map((m) => JSON.stringify(m.blocks));
    expect(thread.some((b) => b.includes('succeeded') && b.includes('ec2-stop-start-instance'))).toBe(true);
    expect(thread.some((b) => b.includes(`Approved by <@${USERS.operator}>`))).toBe(true);
    const { proposals } = await h.api<{ proposals: Proposal[] }>('/api/incidents/INC-1');
    expect(proposals[0]).toMatchObject({ status: 'succeeded', executionStatus: 'Success' });
  });

  it('keeps a complete audit trail, in order, with an intact hash chain', async () => {
    const { records } = await h.api<{ records: AuditRecord[] }>('/api/audit?incident=INC-1&n=100');
    const kinds = records.map((r) => r.kind).filter((k) => k !== 'action.progress');
    expect(kinds).toEqual(['alert.received', 'incident.opened', 'proposal.created', 'diagnostics.completed', 'approval.requested', 'approval.granted', 'action.started', 'incident.status_changed', 'action.succeeded']);
    expect(records.find((r) => r.kind === 'incident.status_changed')?.details).toEqual({ from: 'open', to: 'mitigating' });
    expect(records.map((r) => r.seq)).toEqual(records.map((_, i) => i + 1));
    const started = records.find((r) => r.kind === 'action.started');
    expect(started).toMatchObject({ operator: USERS.operator, authority: 'HUMAN_OPERATOR', runbook: 'ec2-stop-start-instance', targetResource: 'ec2:i-0abc123def4567890', action: 'ChatOps-EC2StopStartInstance' });
    expect(started?.executionId).toMatch(/.+/);
    expect(started?.rollbackPlan).toBeTruthy();
    for (const r of records) expect(r.timestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    const verify = await h.api<{ intact: boolean; records: number }>('/api/audit/verify?incident=INC-1');
    expect(verify).toEqual({ incident: 'INC-1', intact: true, records: records.length });
  });

  it('resolves the incident when its alert resolves, and says so on the root message', async () => {
    const resolved = (await fixture('ec2-firing.json')) as { status: string; alerts: { status: string; endsAt: string }[] };
    resolved.status = 'resolved';
    for (const a of resolved.alerts) {
      a.status = 'resolved';
      a.endsAt = new Date().toISOString();
    }
    expect((await h.postAlert('/alerts/alertmanager', resolved)).status).toBe(200);
    await h.settle();
    const { incident } = await h.api<{ incident: Incident }>('/api/incidents/INC-1');
    expect(incident.status).toBe('resolved');
    const root = h.slack.messages(CHANNEL).find((m) => !m.thread_ts);
    expect(JSON.stringify(root?.blocks)).toContain('Resolved');
  });

  it('never writes a secret to the logs, to Slack messages or to the audit trail', async () => {
    const { records } = await h.api<{ records: AuditRecord[] }>('/api/audit?n=1000');
    const slackText = JSON.stringify(h.slack.calls.map((c) => ({ method: c.method, args: c.args })));
    const haystacks = { logs: h.logs.join(''), slack: slackText, audit: JSON.stringify(records) };
    expect(h.logs.length).toBeGreaterThan(10);
    for (const [where, text] of Object.entries(haystacks)) {
      for (const secret of Object.values(SECRETS)) expect(text.includes(secret), `${where} contains a secret`).toBe(false);
    }
  });
});
