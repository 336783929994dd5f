import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditRecord } from '../../src/core/audit.js';
import type { Incident } from '../../src/core/incident.js';
import type { Proposal } from '../../src/core/proposal.js';
import { CHANNEL, USERS, startHarness } from './harness.js';
import type { Harness } from './harness.js';

const fixture = async (name: string) => JSON.parse(await readFile(`test/fixtures/alertmanager/${name}`, 'utf8')) as unknown;

type IncidentList = { incidents: (Incident & { proposals: Proposal[] })[] };

/** The request ecs-firing.json renders to, with the proposal id as the idempotency token. */
const ecsRequest = (proposalId: string) => ({
  DocumentName: 'ChatOps-ECSForceNewDeployment',
  Parameters: { Cluster: ['prod-cluster'], Service: ['checkout-api'] },
  ClientToken: proposalId,
});

async function onlyProposal(h: Harness): Promise<Proposal> {
  const { incidents } = await h.api<IncidentList>('/api/incidents');
  expect(incidents).toHaveLength(1);
  expect(incidents[0]?.proposals).toHaveLength(1);
  return incidents[0]!.proposals[0]!;
}

function threadBlocks(h: Harness): string[] {
  const rootTs = h.slack.messages(CHANNEL).find((m) => !m.thread_ts)?.ts;
  expect(rootTs).toBeDefined();
  return h.slack.messages(CHANNEL).filter((m) => m.thread_ts === rootTs).map((m) => JSON.stringify(m.blocks));
}

describe('a low-risk runbook with DRY_RUN=false', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ DRY_RUN: 'false' });
  });
  afterAll(async () => h.close());

  it('runs the action without anyone clicking Approve, exactly once, with the proposal id as ClientToken', async () => {
    expect((await h.postAlert('/alerts/alertmanager', await fixture('ecs-firing.json'))).status).toBe(200);
    await h.settle();
    const proposal = await onlyProposal(h);
    expect(proposal).toMatchObject({ status: 'succeeded', approvalsRequired: 0, approvals: [], plan: { runbookId: 'ecs-force-new-deployment', risk: 'low' } });
    const starts = h.ssm.callsTo('StartAutomationExecution').filter((c) => c.input.DocumentName === 'ChatOps-ECSForceNewDeployment');
    expect(starts).toHaveLength(1);
    expect(starts[0]?.input).toEqual({ ...ecsRequest(proposal.id), Tags: [{ Key: `chatops:${proposal.id}`, Value: 'chatops-bot' }] });
    expect(h.slack.callsTo('response_url')).toHaveLength(0);
  });

  it('audits the automatic run as the automation engine, never as a person, and asks nobody for approval', async () => {
    const { records } = await h.api<{ records: AuditRecord[] }>('/api/audit?incident=INC-1&n=100');
    const kinds = records.map((r) => r.kind);
    expect(kinds).not.toContain('approval.requested');
    expect(kinds).not.toContain('approval.granted');
    expect(records.find((r) => r.kind === 'action.started')).toMatchObject({ operator: 'automated', authority: 'AUTO_ENGINE', action: 'ChatOps-ECSForceNewDeployment' });
    expect(records.find((r) => r.kind === 'action.succeeded')).toMatchObject({ outcome: 'SUCCESS' });
  });
});

describe('DRY_RUN left unset (the default)', () => {
  let h: Harness;
  let proposal: Proposal;
  beforeAll(async () => {
    // The harness sets DRY_RUN=false; an empty value counts as unset, so the bot's default applies.
    h = await startHarness({ DRY_RUN: '' });
  });
  afterAll(async () => h.close());

  it('starts in dry-run mode', () => {
    expect(h.bot.config.DRY_RUN).toBe(true);
  });

  it('calls nothing on SSM for a low-risk alert: neither the action nor its diagnostics', async () => {
    expect((await h.postAlert('/alerts/alertmanager', await fixture('ecs-firing.json'))).status).toBe(200);
    await h.settle();
    proposal = await onlyProposal(h);
    expect(h.ssm.calls).toEqual([]);
    expect(h.ssm.executions).toEqual([]);
  });

  it('marks the proposal as a dry run and keeps the would-be request on it', () => {
    expect(proposal.status).toBe('dry_run');
    expect(proposal.request).toEqual(ecsRequest(proposal.id));
    expect(proposal.executionId).toBeUndefined();
  });

  it('audits exactly the StartAutomationExecution request that would have been sent', async () => {
    const { records } = await h.api<{ records: AuditRecord[] }>('/api/audit?incident=INC-1&kind=action.dry_run');
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({ outcome: 'SKIPPED', runbook: 'ecs-force-new-deployment', targetResource: 'ecs:prod-cluster/checkout-api' });
    expect(records[0]?.details?.request).toEqual(ecsRequest(proposal.id));
    const { records: diagnostics } = await h.api<{ records: AuditRecord[] }>('/api/audit?incident=INC-1&kind=diagnostics.dry_run');
    expect(diagnostics).toHaveLength(1);
    expect(diagnostics[0]?.details?.request).toMatchObject({ DocumentName: 'ChatOps-CollectDiagnostics-ECS', Parameters: { Cluster: ['prod-cluster'], Service: ['checkout-api'] } });
    const all = await h.api<{ records: AuditRecord[] }>('/api/audit?incident=INC-1&n=100');
    expect(all.records.map((r) => r.kind)).not.toContain('action.started');
  });

  it('shows the would-be request in the thread', () => {
    const line = threadBlocks(h).find((b) => b.includes('action.dry_run'));
    expect(line).toBeDefined();
    expect(line).toContain('ChatOps-ECSForceNewDeployment');
    expect(line).toContain('prod-cluster');
    expect(line).toContain(proposal.id);
  });
});

describe('the Dry run button on a pending medium-risk proposal', () => {
  let h: Harness;
  let proposal: Proposal;
  beforeAll(async () => {
    h = await startHarness({ DRY_RUN: 'false' });
    expect((await h.postAlert('/alerts/alertmanager', await fixture('ec2-firing.json'))).status).toBe(200);
    await h.settle();
    proposal = await onlyProposal(h);
  });
  afterAll(async () => h.close());

  it('records the request it would send and starts nothing', async () => {
    expect(proposal.status).toBe('pending_approval');
    expect((await h.click('dry_run_proposal', proposal.id, USERS.operator)).status).toBe(200);
    await h.settle();
    const { records } = await h.api<{ records: AuditRecord[] }>('/api/audit?incident=INC-1&kind=action.dry_run');
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({ operator: USERS.operator, authority: 'HUMAN_OPERATOR', outcome: 'SKIPPED' });
    expect(records[0]?.details?.request).toEqual({ DocumentName: 'ChatOps-EC2StopStartInstance', Parameters: { InstanceId: ['i-0abc123def4567890'] }, ClientToken: proposal.id });
    expect(h.ssm.callsTo('StartAutomationExecution').map((c) => c.input.DocumentName)).toEqual(['ChatOps-CollectDiagnostics-EC2']);
  });

  it('leaves the proposal waiting for approval', async () => {
    const { proposals } = await h.api<{ proposals: Proposal[] }>('/api/incidents/INC-1');
    expect(proposals[0]).toMatchObject({ status: 'pending_approval', approvals: [] });
  });

  it('tells the clicker privately and shows the request in the thread', () => {
    const ephemerals = h.slack.accepted('response_url');
    expect(ephemerals).toHaveLength(1);
    expect(ephemerals[0]?.args).toMatchObject({ channel: CHANNEL, user: USERS.operator });
    expect(String(ephemerals[0]?.args.text)).toMatch(/dry run/i);
    const line = threadBlocks(h).find((b) => b.includes('action.dry_run'));
    expect(line).toContain('ChatOps-EC2StopStartInstance');
    expect(line).toContain('i-0abc123def4567890');
  });
});
