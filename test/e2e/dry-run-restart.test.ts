import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditRecord } from '../../src/core/audit.js';
import type { Proposal } from '../../src/core/proposal.js';
import { startHarness } from './harness.js';
import { startSharedStore } from './shared-store.js';
import type { SharedStore } from './shared-store.js';

describe('a bot restarted in dry-run after a crash mid-start', () => {
  let store: SharedStore;
  beforeAll(async () => {
    store = await startSharedStore();
  });
  afterAll(async () => {
    await store.close();
  });

  it('does not start the action it finds running without an execution, and says why', async () => {
    // First bot, executing for real: an approved medium-risk proposal that it moved to running and
    // then "crashed" before StartAutomationExecution (no executionId stored).
    const first = await startHarness({ ...store.env, DRY_RUN: 'false' }, { scheduler: false });
    await first.postAlert('/alerts/alertmanager', JSON.parse(await readFile('test/fixtures/alertmanager/ec2-firing.json', 'utf8')));
    await first.settle();
    const [proposal] = await first.bot.deps.proposals.listByIncident('INC-1');
    await first.bot.deps.proposals.update({ ...(proposal as Proposal), status: 'running', startedAt: new Date().toISOString() });
    await first.close();

    // The operator restarts it in dry-run to be safe.
    const second = await startHarness({ ...store.env, DRY_RUN: 'true' }, { scheduler: false });
    try {
      await second.settle();
      expect(second.ssm.callsTo('StartAutomationExecution')).toEqual([]);
      const { proposals } = await second.api<{ proposals: Proposal[] }>('/api/incidents/INC-1');
      expect(proposals[0]).toMatchObject({ status: 'blocked' });
      const refused = (await second.api<{ records: AuditRecord[] }>('/api/audit?incident=INC-1&kind=action.refused')).records;
      expect(refused.map((r) => r.details?.guard)).toEqual(['dry_run']);
    } finally {
      await second.close();
    }
  });
});
