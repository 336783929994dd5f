import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditRecord } from '../../src/core/audit.js';
import { startHarness } from './harness.js';
import type { Harness } from './harness.js';
import { approve, CATALOGUE, expectedRequest, fire, proposalOf } from './catalogue-entries.js';

describe('each catalogue entry, under DRY_RUN, records the StartAutomationExecution request it would send', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ DRY_RUN: 'true' });
  });
  afterAll(async () => h.close());

  it.each(CATALOGUE)('$condition → $runbook ($risk risk)', async (entry) => {
    await fire(h, entry);
    const proposal = await proposalOf(h, entry);
    expect(proposal.plan).toMatchObject({ risk: entry.risk, action: { document: entry.document, parameters: entry.parameters } });
    await approve(h, entry, proposal);
    const after = await proposalOf(h, entry);
    expect(after.status).toBe('dry_run');
    expect(after.request).toEqual(expectedRequest(entry, proposal.id));
    const { records } = await h.api<{ records: AuditRecord[] }>(`/api/audit?incident=${proposal.incidentId}&kind=action.dry_run`);
    expect(records.map((r) => r.details?.request)).toEqual([expectedRequest(entry, proposal.id)]);
  });

  it('paged the on-call when it proposed pausing the failing SNS subscription (page: true), and for no other entry', async () => {
    const { records } = await h.api<{ records: AuditRecord[] }>('/api/audit?kind=escalation.triggered&n=100');
    expect(records.map((r) => [r.trigger, r.runbook ?? r.details?.detail])).toEqual([['runbook_pages', 'sns-pause-failing-subscription on sns:order-events']]);
  });

  it('called nothing on SSM', () => {
    expect(h.ssm.calls).toEqual([]);
  });
});
