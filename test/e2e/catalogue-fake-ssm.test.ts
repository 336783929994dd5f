import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness } from './harness.js';
import type { Harness } from './harness.js';
import { approve, CATALOGUE, expectedRequest, fire, proposalOf } from './catalogue-entries.js';

describe('each catalogue entry, with DRY_RUN=false, starts exactly its document on the (fake) SSM', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ DRY_RUN: 'false' });
  });
  afterAll(async () => h.close());

  it.each(CATALOGUE)('$condition → $runbook ($risk risk)', async (entry) => {
    await fire(h, entry);
    const proposal = await proposalOf(h, entry);
    const startsOf = () => h.ssm.callsTo('StartAutomationExecution').filter((c) => c.input.DocumentName === entry.document);
    if (entry.risk !== 'low') expect(startsOf()).toEqual([]);
    await approve(h, entry, proposal);
    // Each start carries the tag SSM can find it by if its answer is lost (see clientTokenTag).
    expect(startsOf().map((c) => c.input)).toEqual([{ ...expectedRequest(entry, proposal.id), Tags: [{ Key: `chatops:${proposal.id}`, Value: 'chatops-bot' }] }]);
    expect(await proposalOf(h, entry)).toMatchObject({ status: 'succeeded', executionId: expect.any(String) });
  });
});
