import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditRecord } from '../../src/core/audit.js';
import type { Incident } from '../../src/core/incident.js';
import type { Proposal } from '../../src/core/proposal.js';
import { USERS, startHarness } from './harness.js';
import type { Harness } from './harness.js';

const fixture = async (name: string) => JSON.parse(await readFile(`test/fixtures/alertmanager/${name}`, 'utf8')) as unknown;

type IncidentList = { incidents: (Incident & { proposals: Proposal[] })[] };

const ACTION = 'ChatOps-EC2StopStartInstance';
const ROLLBACK = 'ChatOps-EC2StartInstance';
/** The harness polls executions every 1–5 ms; any longer wait the bot asks for is a retry backoff. */
const POLL_MAX_MS = 5;
/** DESIGN §2.7: transient errors are retried with exponential backoff capped at 5 seconds. */
const BACKOFF_CAP_MS = 5000;

let h: Harness;
/** Every wait the bot asked for, in order. */
let sleeps: number[];

/** A medium-risk proposal whose diagnostics have run, so the next SSM start is the action's. */
async function pendingAction(): Promise<Proposal> {
  sleeps = [];
  h = await startHarness({}, {
    sleep: async (ms) => {
      sleeps.push(ms);
      await new Promise((r) => setTimeout(r, 1));
    },
  });
  expect((await h.postAlert('/alerts/alertmanager', await fixture('ec2-firing.json'))).status).toBe(200);
  await h.settle();
  const { incidents } = await h.api<IncidentList>('/api/incidents');
  const p = incidents[0]!.proposals[0]!;
  expect(p).toMatchObject({ status: 'pending_approval', plan: { action: { document: ACTION } } });
  sleeps = [];
  return p;
}

async function approve(p: Proposal): Promise<void> {
  expect((await h.click('approve_proposal', p.id, USERS.operator)).status).toBe(200);
  await h.settle();
}

const actionStarts = () => h.ssm.callsTo('StartAutomationExecution').filter((c) => c.input.DocumentName === ACTION);
const retryWaits = () => sleeps.filter((ms) => ms > POLL_MAX_MS);

async function audit(kind: string): Promise<AuditRecord[]> {
  return (await h.api<{ records: AuditRecord[] }>(`/api/audit?kind=${kind}&n=100`)).records;
}

/**
 * One scenario per describe block, run once: its tests each check one side of the same run (what
 * SSM saw, the proposal, the audit, the waits), so they share its bot.
 */
function scenario(failing: { operation: string; times: number; error: string }): { proposal: () => Proposal } {
  let p: Proposal;
  beforeAll(async () => {
    p = await pendingAction();
    h.ssm.script.failNext(failing.operation, failing.times, failing.error);
    await approve(p);
  });
  afterAll(async () => h.close());
  return { proposal: () => p };
}

describe('StartAutomationExecution throttled twice, then accepted', () => {
  const { proposal } = scenario({ operation: 'StartAutomationExecution', times: 2, error: 'ThrottlingException' });

  it('gives exactly one execution, started with the same ClientToken each time, and the action succeeds', async () => {
    const p = proposal();
    expect(actionStarts()).toHaveLength(3);
    expect(new Set(actionStarts().map((c) => c.input.ClientToken))).toEqual(new Set([p.id]));
    expect(h.ssm.executions.filter((e) => e.documentName === ACTION)).toHaveLength(1);
    expect(await audit('action.started')).toHaveLength(1);
    expect(await h.bot.deps.proposals.get(p.id)).toMatchObject({ status: 'succeeded' });
  });

  it('waits longer before the second retry than before the first, and never more than 5 s', () => {
    const waits = retryWaits();
    expect(waits).toHaveLength(2);
    expect(waits[1]!).toBeGreaterThanOrEqual(waits[0]!);
    for (const ms of sleeps) expect(ms).toBeLessThanOrEqual(BACKOFF_CAP_MS);
  });
});

describe('StartAutomationExecution failing four times with a server error', () => {
  const { proposal } = scenario({ operation: 'StartAutomationExecution', times: 4, error: 'InternalServerError' });

  it('gives up after three retries and marks the action failed with the last error', async () => {
    const p = proposal();
    expect(actionStarts()).toHaveLength(4);
    expect(h.ssm.executions.filter((e) => e.documentName === ACTION)).toEqual([]);
    const failed = await h.bot.deps.proposals.get(p.id);
    expect(failed).toMatchObject({ status: 'failed' });
    expect(failed?.lastError).toMatch(/StartAutomationExecution failed after 4 attempts: InternalServerError: Scripted InternalServerError/);
    expect(failed?.executionId).toBeUndefined();
    const records = await audit('action.failed');
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({ outcome: 'FAILURE', runbook: 'ec2-stop-start-instance', action: ACTION });
    expect(String(records[0]?.details?.error)).toContain('InternalServerError');
    expect(await audit('action.started')).toEqual([]);
  });

  it('offers the runbook rollback as a new proposal awaiting approval, in the thread', async () => {
    const p = proposal();
    const proposals = await h.bot.deps.proposals.listByIncident(p.incidentId);
    const rollback = proposals.find((x) => x.rollbackOf === p.id);
    expect(rollback).toMatchObject({ status: 'pending_approval', approvalsRequired: 1, requestedBy: 'automated', plan: { action: { document: ROLLBACK, parameters: { InstanceId: 'i-0abc123def4567890' } } } });
    expect(await audit('proposal.created')).toEqual(expect.arrayContaining([expect.objectContaining({ trigger: 'rollback', details: expect.objectContaining({ rollbackOf: p.id }) })]));
    const message = h.slack.messageWith('proposal_id', rollback?.id ?? '');
    expect(message?.thread_ts).toBeDefined();
    const blocks = JSON.stringify(message?.blocks);
    expect(blocks).toContain(ROLLBACK);
    expect(blocks).toContain('approve_proposal');
    // The rollback is not started by itself.
    expect(h.ssm.callsTo('StartAutomationExecution').filter((c) => c.input.DocumentName === ROLLBACK)).toEqual([]);
  });

  it('waits between every attempt, each wait at least as long as the one before and none over 5 s', () => {
    const waits = retryWaits();
    expect(waits).toHaveLength(3);
    expect(waits).toEqual([...waits].sort((a, b) => a - b));
    for (const ms of sleeps) expect(ms).toBeLessThanOrEqual(BACKOFF_CAP_MS);
  });
});

describe('GetAutomationExecution throttled while the action runs', () => {
  const { proposal } = scenario({ operation: 'GetAutomationExecution', times: 3, error: 'ThrottlingException' });

  it('keeps polling through transient errors and reports the real outcome', async () => {
    expect(await h.bot.deps.proposals.get(proposal().id)).toMatchObject({ status: 'succeeded', executionStatus: 'Success' });
    expect(retryWaits()).toHaveLength(3);
    for (const ms of sleeps) expect(ms).toBeLessThanOrEqual(BACKOFF_CAP_MS);
  });
});
