import { afterEach, describe, expect, it, vi } from 'vitest';
import type { AuditRecord } from '../../src/core/audit.js';
import type { Proposal } from '../../src/core/proposal.js';
import type { FakeSlackOutage } from '../fakes/fake-slack-api.js';
import { USERS, startHarness } from './harness.js';
import type { Harness } from './harness.js';
import { approveButtons, ec2Alert, ecsAlert, expectedLineSeqs, proposalMessagesOf, rootsOf, threadSeqs } from './delivery-helpers.js';

const ECS_ACTION = 'ChatOps-ECSForceNewDeployment';
const EC2_ACTION = 'ChatOps-EC2StopStartInstance';

const OUTAGES: { name: string; outage: FakeSlackOutage }[] = [
  { name: 'HTTP 500', outage: { status: 500 } },
  { name: 'HTTP 429', outage: { status: 429 } },
  { name: 'no answer at all (calls taken, answers lost)', outage: { hang: true } },
];

describe.each(OUTAGES)('Slack answering $name while incidents open and clicks arrive', ({ outage }) => {
  let h: Harness;
  afterEach(async () => h.close());

  it('starts every action on time, and once Slack is back shows every root, proposal message and Approve button exactly once', async () => {
    // A Slack call that gets no answer counts as failed after 300 ms (production: 10 s).
    h = await startHarness({}, { delivery: { slackRequestTimeoutMs: 300, slackBackoff: { baseMs: 50, maxMs: 300 } } });
    h.slack.startOutage(outage);
    for (const payload of [ecsAlert('cart'), ecsAlert('search'), ec2Alert('i-0aaaaaaaaaaaaaaa1'), ec2Alert('i-0bbbbbbbbbbbbbbb2')]) {
      expect((await h.postAlert('/alerts/alertmanager', payload)).status).toBe(200);
    }
    // Low-risk actions start by themselves while Slack is out.
    await vi.waitFor(() => expect(h.ssm.callsTo('StartAutomationExecution').filter((c) => c.input.DocumentName === ECS_ACTION)).toHaveLength(2), { timeout: 10_000, interval: 20 });
    const pending = async () => (await h.api<{ proposals: Proposal[] }>('/api/incidents/INC-3')).proposals.find((p) => p.status === 'pending_approval');
    await vi.waitFor(async () => expect(await pending()).toBeDefined(), { timeout: 10_000, interval: 20 });
    // An Approve click arrives (Slack sends it to us) and its action starts, Slack or not.
    expect((await h.click('approve_proposal', (await pending())!.id, USERS.operator)).status).toBe(200);
    await vi.waitFor(() => expect(h.ssm.callsTo('StartAutomationExecution').filter((c) => c.input.DocumentName === EC2_ACTION)).toHaveLength(1), { timeout: 10_000, interval: 20 });
    // (Replies to the click go to its response_url, which this fake keeps apart from the Web API.)
    if ('status' in outage) expect(h.slack.calls.filter((c) => c.ok && c.method !== 'response_url'), 'Slack took nothing during the outage').toEqual([]);

    h.slack.endOutage();
    await h.settle();

    for (const id of ['INC-1', 'INC-2', 'INC-3', 'INC-4']) {
      expect(rootsOf(h.slack, id), `${id}: one root`).toHaveLength(1);
      const records = (await h.api<{ records: AuditRecord[] }>(`/api/audit?incident=${id}&n=1000`)).records;
      const seqs = threadSeqs(h.slack, id);
      expect(new Set(seqs).size, `${id}: no thread line twice`).toBe(seqs.length);
      expect([...seqs].sort((a, b) => a - b), `${id}: every step in the thread`).toEqual(expectedLineSeqs(records));
    }
    const approved = (await h.api<{ proposals: Proposal[] }>('/api/incidents/INC-3')).proposals[0]!;
    const waiting = (await h.api<{ proposals: Proposal[] }>('/api/incidents/INC-4')).proposals[0]!;
    expect(waiting.status).toBe('pending_approval');
    expect(proposalMessagesOf(h.slack, waiting.id)).toHaveLength(1);
    expect(approveButtons(proposalMessagesOf(h.slack, waiting.id)[0]), 'the waiting proposal has its Approve button').toHaveLength(1);
    expect(proposalMessagesOf(h.slack, approved.id)).toHaveLength(1);
    expect(approveButtons(proposalMessagesOf(h.slack, approved.id)[0]), 'the approved one no longer does').toHaveLength(0);
  });
});
