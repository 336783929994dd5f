import { readFile } from 'node:fs/promises';
import { afterEach, describe, expect, it } from 'vitest';
import type { AuditRecord } from '../../src/core/audit.js';
import type { Incident } from '../../src/core/incident.js';
import type { Proposal } from '../../src/core/proposal.js';
import { expireDueApprovals } from '../../src/services/expire-approvals.js';
import { USERS, startHarness } from './harness.js';
import type { Harness } from './harness.js';

const fixture = async (name: string) => JSON.parse(await readFile(`test/fixtures/alertmanager/${name}`, 'utf8')) as unknown;

type IncidentList = { incidents: (Incident & { proposals: Proposal[] })[] };

const MINUTE = 60_000;

/** A clock the test moves; it starts at the real time so signed Slack requests look current. */
function manualClock() {
  let now = Date.now();
  return {
    now: () => new Date(now),
    advance(ms: number) {
      now += ms;
    },
    seconds: () => Math.floor(now / 1000),
  };
}

/** From runbooks/policy.yaml: medium expires after 30 minutes, high after 15. */
const CASES = [
  { risk: 'medium', fixture: 'ec2-firing.json', document: 'ChatOps-EC2StopStartInstance', windowMs: 30 * MINUTE, approvers: [USERS.operator] },
  { risk: 'high', fixture: 'sg-firing.json', document: 'ChatOps-RevokeOpenSSHIngress', windowMs: 15 * MINUTE, approvers: [USERS.sre, USERS.emergency] },
] as const;

let h: Harness;
let clock: ReturnType<typeof manualClock>;
afterEach(async () => h.close());

async function pending(name: string): Promise<Proposal> {
  clock = manualClock();
  h = await startHarness({}, { clock });
  expect((await h.postAlert('/alerts/alertmanager', await fixture(name))).status).toBe(200);
  await h.settle();
  const { incidents } = await h.api<IncidentList>('/api/incidents');
  const p = incidents[0]!.proposals[0]!;
  expect(p.status).toBe('pending_approval');
  return p;
}

async function clickApprove(proposalId: string, user: string): Promise<string> {
  const before = h.slack.accepted('response_url').length;
  expect((await h.click('approve_proposal', proposalId, user, { timestampSeconds: clock.seconds() })).status).toBe(200);
  await h.settle();
  const replies = h.slack.accepted('response_url').slice(before);
  expect(replies).toHaveLength(1);
  return String(replies[0]?.args.text);
}

const startsOf = (document: string) => h.ssm.callsTo('StartAutomationExecution').filter((c) => c.input.DocumentName === document);

async function audit(kind: string): Promise<AuditRecord[]> {
  return (await h.api<{ records: AuditRecord[] }>(`/api/audit?kind=${kind}&n=100`)).records;
}

/** The proposal's message as Slack now shows it (after every chat.update). */
async function proposalMessage(id: string): Promise<string> {
  const message = h.slack.messageWith('proposal_id', id);
  expect(message).toBeDefined();
  return JSON.stringify(message?.blocks);
}

describe.each(CASES)('a $risk-risk approval', ({ fixture: name, document, windowMs, approvers }) => {
  it('still counts just inside its window', async () => {
    const p = await pending(name);
    clock.advance(windowMs - 1000);
    let reply = '';
    for (const user of approvers) reply = await clickApprove(p.id, user);
    expect(reply).toMatch(/it is running now/);
    expect(startsOf(document)).toHaveLength(1);
    expect(await audit('approval.expired')).toEqual([]);
  });

  it('cannot be used once its window has passed: the click is refused as expired, audited, and nothing runs', async () => {
    const p = await pending(name);
    clock.advance(windowMs + 1000);
    const reply = await clickApprove(p.id, approvers[0]);
    expect(reply).toMatch(/^Too late: the approval window for .* has passed; it expired and nothing ran\.$/);
    expect(startsOf(document)).toEqual([]);
    expect(await h.bot.deps.proposals.get(p.id)).toMatchObject({ status: 'expired', approvals: [] });
    const expired = await audit('approval.expired');
    expect(expired).toHaveLength(1);
    expect(expired[0]).toMatchObject({ outcome: 'SKIPPED', runbook: p.plan.runbookId, details: { pendingSince: p.pendingSince, expiredAt: new Date(Date.parse(p.pendingSince!) + windowMs).toISOString() } });
    expect(await audit('approval.granted')).toEqual([]);
    expect(await proposalMessage(p.id)).not.toContain('approve_proposal');
  });
});

describe('a high-risk proposal with one of its two approvals given in time', () => {
  it('cannot be completed by a second approval after the window: it expires and nothing runs', async () => {
    const p = await pending('sg-firing.json');
    expect(await clickApprove(p.id, USERS.sre)).toBe('Approval recorded; 1 more needed from another person.');
    clock.advance(15 * MINUTE + 1000);
    expect(await clickApprove(p.id, USERS.emergency)).toMatch(/^Too late/);
    expect(startsOf('ChatOps-RevokeOpenSSHIngress')).toEqual([]);
    expect(await h.bot.deps.proposals.get(p.id)).toMatchObject({ status: 'expired', approvals: [{ userId: USERS.sre }] });
    expect(await audit('approval.expired')).toMatchObject([{ details: { approvals: 1, required: 2 } }]);
  });
});

describe('the approval-expiry sweep (expireDueApprovals)', () => {
  it('expires only approvals whose window has passed, removes their buttons, and a later click runs nothing', async () => {
    const p = await pending('ec2-firing.json');
    expect(await proposalMessage(p.id)).toContain('approve_proposal');

    clock.advance(10 * MINUTE);
    expect(await expireDueApprovals(h.bot.deps)).toBe(0);
    expect(await h.bot.deps.proposals.get(p.id)).toMatchObject({ status: 'pending_approval' });

    clock.advance(21 * MINUTE);
    expect(await expireDueApprovals(h.bot.deps)).toBe(1);
    await h.settle();
    expect(await h.bot.deps.proposals.get(p.id)).toMatchObject({ status: 'expired' });
    const message = await proposalMessage(p.id);
    expect(message).not.toContain('approve_proposal');
    expect(message).not.toContain('reject_proposal');
    expect(message).toContain('approval expired');
    expect(await audit('approval.expired')).toHaveLength(1);
    const thread = h.slack.messages().map((m) => JSON.stringify(m.blocks));
    expect(thread.some((b) => b.includes('approval.expired'))).toBe(true);

    expect(await clickApprove(p.id, USERS.operator)).toMatch(/^Nothing to do: .* is already expired\.$/);
    expect(startsOf('ChatOps-EC2StopStartInstance')).toEqual([]);
    // A second sweep finds nothing new and writes nothing twice.
    expect(await expireDueApprovals(h.bot.deps)).toBe(0);
    expect(await audit('approval.expired')).toHaveLength(1);
  });
});
