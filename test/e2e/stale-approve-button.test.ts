import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Proposal } from '../../src/core/proposal.js';
import { USERS, startHarness } from './harness.js';
import type { Harness } from './harness.js';

const RUNBOOK = 'ec2-stop-start-instance';
const ACTION = 'ChatOps-EC2StopStartInstance';

/** The Approve button's value in the proposal message as Slack shows it now. */
function approveValue(h: Harness, proposalId: string): string {
  const message = h.slack.messageWith('proposal_id', proposalId);
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const buttons = ((message?.blocks ?? []) as any[]).filter((b) => b.type === 'actions').flatMap((b) => b.elements);
  return buttons.find((b) => b.action_id === 'approve_proposal')?.value as string;
}

describe('an Approve button on a message showing an older plan', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => h.close());

  it('records nothing and says the plan changed; the button of the current message works', async () => {
    await h.postAlert('/alerts/alertmanager', JSON.parse(await readFile('test/fixtures/alertmanager/ec2-firing.json', 'utf8')));
    await h.settle();
    const [proposal] = (await h.api<{ proposals: Proposal[] }>('/api/incidents/INC-1')).proposals as [Proposal];
    const seen = approveValue(h, proposal.id);
    expect(seen).toBe(`${proposal.id}|${proposal.plan.digest}`);

    // The runbook is reloaded as version 2 before the approval runs: approvals reset, message updated.
    const { catalogue } = h.bot.deps;
    const next = { ...catalogue.byId.get(RUNBOOK)!, version: 2 };
    catalogue.byId.set(RUNBOOK, next);
    catalogue.runbooks = catalogue.runbooks.map((rb) => (rb.id === RUNBOOK ? next : rb));
    await h.click('approve_proposal', seen, USERS.operator);
    await h.settle();
    expect(h.ssm.executions.filter((e) => e.documentName === ACTION)).toEqual([]);

    // Clicking the button as it was on the old message again: refused, nothing recorded.
    const grantedBefore = h.slack.callsTo('response_url').length;
    await h.click('approve_proposal', seen, USERS.sre);
    await h.settle();
    const reply = h.slack.callsTo('response_url').slice(grantedBefore).find((c) => c.args.user === USERS.sre);
    expect(String(reply?.args.text)).toContain('plan of ec2-stop-start-instance');
    expect(String(reply?.args.text)).toContain('changed');
    const current = (await h.api<{ proposals: Proposal[] }>('/api/incidents/INC-1')).proposals[0]!;
    expect(current.approvals.filter((a) => a.planDigest === current.plan.digest)).toEqual([]);

    // The updated message carries the new digest, and approving from it runs the action once.
    const fresh = approveValue(h, current.id);
    expect(fresh).toBe(`${current.id}|${current.plan.digest}`);
    await h.click('approve_proposal', fresh, USERS.sre);
    await h.settle();
    expect(h.ssm.executions.filter((e) => e.documentName === ACTION)).toHaveLength(1);
  });
});
