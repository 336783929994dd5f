import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditRecord } from '../../src/core/audit.js';
import type { Proposal } from '../../src/core/proposal.js';
import { resumeStalledProposals } from '../../src/services/resume-stalled.js';
import { testClock } from '../fakes/test-clock.js';
import { startHarness } from './harness.js';
import type { Harness } from './harness.js';

const ACTION = 'ChatOps-ECSForceNewDeployment';

describe('an execution the bot loses track of', () => {
  let h: Harness;
  const clock = testClock();
  const proposals = async () => (await h.api<{ proposals: Proposal[] }>('/api/incidents/INC-1')).proposals;
  const audit = async (kind: string) => (await h.api<{ records: AuditRecord[] }>(`/api/audit?incident=INC-1&kind=${kind}`)).records;

  beforeAll(async () => {
    h = await startHarness({}, { clock, scheduler: false });
    h.ssm.script.setStatuses(ACTION, ['InProgress', 'InProgress', 'Success']);
    // The status API fails for longer than the executor's retries: polling gives up.
    h.ssm.script.failNext('GetAutomationExecution', 8, 'InternalServerError');
    await h.postAlert('/alerts/alertmanager', JSON.parse(await readFile('test/fixtures/alertmanager/ecs-firing.json', 'utf8')));
    await h.settle();
  });
  afterAll(async () => h.close());

  it('stays running, says so, and neither fails it nor offers a rollback while it may still run', async () => {
    expect(await proposals()).toEqual([expect.objectContaining({ status: 'running', lastError: expect.stringContaining('InternalServerError') })]);
    expect(await audit('action.tracking_lost')).toHaveLength(1);
    expect(await audit('action.failed')).toEqual([]);
    expect(h.ssm.callsTo('StartAutomationExecution').filter((c) => c.input.DocumentName === ACTION)).toHaveLength(1);
  });

  it('picks it up again once it has stalled, and follows it to its real outcome', async () => {
    expect(await resumeStalledProposals(h.bot.deps)).toBe(0);
    clock.advance(3 * 60_000);
    expect(await resumeStalledProposals(h.bot.deps)).toBe(1);
    await h.settle();
    expect(await proposals()).toEqual([expect.objectContaining({ status: 'succeeded', executionStatus: 'Success' })]);
    expect(h.ssm.executions.filter((e) => e.documentName === ACTION)).toHaveLength(1);
  });
});
