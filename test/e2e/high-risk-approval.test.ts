import { readFile } from 'node:fs/promises';
import { afterEach, describe, expect, it } from 'vitest';
import type { AuditRecord } from '../../src/core/audit.js';
import type { Incident } from '../../src/core/incident.js';
import type { Proposal } from '../../src/core/proposal.js';
import type { Runbook } from '../../src/core/runbooks/schema.js';
import { USERS, startHarness } from './harness.js';
import type { Harness } from './harness.js';

const fixture = async (name: string) => JSON.parse(await readFile(`test/fixtures/alertmanager/${name}`, 'utf8')) as unknown;

type IncidentList = { incidents: (Incident & { proposals: Proposal[] })[] };

const RUNBOOK = 'sg-revoke-open-ssh';
const ACTION = 'ChatOps-RevokeOpenSSHIngress';
/** sg-firing.json names its own channel (slack_channel label): the security team's. */
const SECOPS = 'C0SECOPS01';
/** Not listed in policy.yaml by id: ON_CALL_SRE through the Slack user group S01ABCDEF. */
const GROUP_SRE = 'U04GROUPED';

const startsOf = (h: Harness) => h.ssm.callsTo('StartAutomationExecution').filter((c) => c.input.DocumentName === ACTION);

async function audit(h: Harness, query: string): Promise<AuditRecord[]> {
  return (await h.api<{ records: AuditRecord[] }>(`/api/audit?${query}&n=1000`)).records;
}

async function highRiskProposal(h: Harness): Promise<Proposal> {
  const { incidents } = await h.api<IncidentList>('/api/incidents');
  const found = incidents.flatMap((i) => i.proposals).find((p) => p.plan.runbookId === RUNBOOK);
  if (!found) throw new Error('no sg-revoke-open-ssh proposal');
  return found;
}

/** Clicks Approve as `user` and returns what the bot told them (the ephemeral reply). */
async function approve(h: Harness, proposalId: string, user: string): Promise<string> {
  const before = h.slack.accepted('response_url').length;
  expect((await h.click('approve_proposal', proposalId, user)).status).toBe(200);
  await h.settle();
  const replies = h.slack.accepted('response_url').slice(before);
  expect(replies).toHaveLength(1);
  expect(replies[0]?.args.user).toBe(user);
  return String(replies[0]?.args.text);
}

async function fromAlert(): Promise<{ h: Harness; proposal: Proposal }> {
  const h = await startHarness();
  expect((await h.postAlert('/alerts/alertmanager', await fixture('sg-firing.json'))).status).toBe(200);
  await h.settle();
  const proposal = await highRiskProposal(h);
  expect(proposal).toMatchObject({ status: 'pending_approval', approvalsRequired: 2, requestedBy: 'automated', plan: { risk: 'high', reversible: false } });
  return { h, proposal };
}

let h: Harness;
afterEach(async () => h.close());

describe('a high-risk runbook proposed by an alert', () => {
  it('is not run on one approval, nor on the same person approving twice', async () => {
    let proposal: Proposal;
    ({ h, proposal } = await fromAlert());
    expect(await approve(h, proposal.id, USERS.sre)).toBe('Approval recorded; 1 more needed from another person.');
    expect(await approve(h, proposal.id, USERS.sre)).toMatch(/^Refused: <@U01ABCDEF> has already approved this plan; another person must approve/);
    expect(startsOf(h)).toEqual([]);
    expect(await highRiskProposal(h)).toMatchObject({ status: 'pending_approval', approvals: [{ userId: USERS.sre }] });
    expect(await audit(h, 'kind=approval.refused')).toMatchObject([{ operator: USERS.sre, details: { code: 'ALREADY_APPROVED' } }]);
  });

  it('refuses an approval from someone allowed to approve medium risk but not high', async () => {
    let proposal: Proposal;
    ({ h, proposal } = await fromAlert());
    expect(await approve(h, proposal.id, USERS.operator)).toMatch(/^Refused: <@U02ABCDEF> is not an approver for high-risk runbooks \(allowed: ON_CALL_SRE, EMERGENCY_OVERRIDE\)/);
    expect(await audit(h, 'kind=approval.refused')).toMatchObject([{ operator: USERS.operator, details: { code: 'NOT_AN_APPROVER' } }]);
    expect(await highRiskProposal(h)).toMatchObject({ status: 'pending_approval', approvals: [] });
  });

  it('runs exactly once when two different allowed people approve, as the second of them', async () => {
    let proposal: Proposal;
    ({ h, proposal } = await fromAlert());
    await approve(h, proposal.id, USERS.sre);
    expect(await approve(h, proposal.id, USERS.emergency)).toMatch(/^Approved sg-revoke-open-ssh on sg:sg-0123456789abcdef0; it is running now/);
    expect(await approve(h, proposal.id, USERS.sre)).toMatch(/^Nothing to do: .* is already (running|succeeded)/);
    expect(startsOf(h)).toHaveLength(1);
    expect(startsOf(h)[0]?.input).toEqual({ DocumentName: ACTION, Parameters: { GroupId: ['sg-0123456789abcdef0'] }, ClientToken: proposal.id, Tags: [{ Key: `chatops:${proposal.id}`, Value: 'chatops-bot' }] });
    expect(await audit(h, 'kind=action.started')).toMatchObject([{ operator: USERS.emergency, authority: 'EMERGENCY_OVERRIDE' }]);
    expect((await audit(h, 'kind=approval.granted')).map((r) => r.operator)).toEqual([USERS.sre, USERS.emergency]);
    expect(await highRiskProposal(h)).toMatchObject({ status: 'succeeded' });
  });
});

describe('a high-risk runbook requested by hand with /remediate', () => {
  async function requested(): Promise<Proposal> {
    h = await startHarness();
    h.slack.setUsergroup('S01ABCDEF', [GROUP_SRE]);
    const ack = await h.command('/remediate', `${RUNBOOK} group_id=sg-0123456789abcdef0`, USERS.sre);
    const confirm = ack.blocks?.flatMap((b) => (b.type === 'actions' ? b.elements : [])).find((e) => e.action_id === 'remediate_confirm');
    expect((await h.click('remediate_confirm', String(confirm.value), USERS.sre)).status).toBe(200);
    await h.settle();
    const proposal = await highRiskProposal(h);
    expect(proposal).toMatchObject({ status: 'pending_approval', approvalsRequired: 2, requestedBy: USERS.sre });
    return proposal;
  }

  it("refuses the requester's own approval, though they are an allowed approver, and audits the refusal", async () => {
    const proposal = await requested();
    expect(await approve(h, proposal.id, USERS.sre)).toBe('Refused: the requester may not approve their own high-risk request.');
    expect(await audit(h, 'kind=approval.refused')).toMatchObject([{ operator: USERS.sre, outcome: 'FAILURE', details: { code: 'REQUESTER_MAY_NOT_APPROVE' } }]);
    expect(await highRiskProposal(h)).toMatchObject({ status: 'pending_approval', approvals: [] });
    expect(startsOf(h)).toEqual([]);
  });

  it('runs exactly once after two other allowed people approve, one of them through the SRE user group', async () => {
    const proposal = await requested();
    await approve(h, proposal.id, USERS.sre);
    expect(await approve(h, proposal.id, USERS.emergency)).toBe('Approval recorded; 1 more needed from another person.');
    expect(startsOf(h)).toEqual([]);
    expect(await approve(h, proposal.id, GROUP_SRE)).toMatch(/it is running now/);
    expect(startsOf(h)).toHaveLength(1);
    expect(h.ssm.executions.filter((e) => e.documentName === ACTION)).toHaveLength(1);
    expect(await audit(h, 'kind=action.started')).toMatchObject([{ operator: GROUP_SRE, authority: 'ON_CALL_SRE', trigger: 'manual' }]);
  });
});

describe('an approval given before the runbook changed', () => {
  /** Swaps the loaded runbook for `change(runbook)`, as a reload of the catalogue would. */
  function changeRunbook(change: (rb: Runbook) => Runbook): void {
    const { catalogue } = h.bot.deps;
    const next = change(catalogue.byId.get(RUNBOOK)!);
    catalogue.byId.set(RUNBOOK, next);
    catalogue.runbooks = catalogue.runbooks.map((rb) => (rb.id === RUNBOOK ? next : rb));
  }

  it('does not count: the completing click runs nothing, the thread says why, and two fresh approvals are needed', async () => {
    let proposal: Proposal;
    ({ h, proposal } = await fromAlert());
    await approve(h, proposal.id, USERS.sre);
    changeRunbook((rb) => ({ ...rb, version: 2 }));

    expect(await approve(h, proposal.id, USERS.emergency)).toBe('Approved, but not run: the plan changed after it was approved (runbook or parameters); it needs approval again.');
    expect(startsOf(h)).toEqual([]);
    const invalidated = await audit(h, 'kind=approval.invalidated');
    expect(invalidated).toHaveLength(1);
    expect(invalidated[0]?.details).toMatchObject({ previousVersion: 1, version: 2, previousDigest: proposal.plan.digest });
    const changed = await highRiskProposal(h);
    expect(changed).toMatchObject({ status: 'pending_approval', approvalsRequired: 2, plan: { runbookVersion: 2 } });
    expect(changed.plan.digest).not.toBe(proposal.plan.digest);

    const thread = h.slack.messages(SECOPS).map((m) => JSON.stringify(m.blocks));
    expect(thread.some((b) => b.includes('approval.invalidated') && /plan changed after it was approved/.test(b))).toBe(true);
    const message = h.slack.messageWith('proposal_id', changed.id);
    expect(JSON.stringify(message?.blocks)).toContain('awaiting approval (0/2)');
    expect(JSON.stringify(message?.blocks)).toContain('none yet of 2 needed');
    expect(JSON.stringify(message?.blocks)).toContain('approve_proposal');

    // Both earlier approvers have to approve the new plan again; one of them is not enough.
    expect(await approve(h, proposal.id, USERS.emergency)).toBe('Approval recorded; 1 more needed from another person.');
    expect(startsOf(h)).toEqual([]);
    expect(await approve(h, proposal.id, USERS.sre)).toMatch(/it is running now/);
    expect(startsOf(h)).toHaveLength(1);
    expect(await highRiskProposal(h)).toMatchObject({ status: 'succeeded', plan: { runbookVersion: 2 } });
  });

  it('does not count when a parameter pattern changed and the value no longer passes: nothing runs', async () => {
    let proposal: Proposal;
    ({ h, proposal } = await fromAlert());
    await approve(h, proposal.id, USERS.sre);
    changeRunbook((rb) => ({ ...rb, parameters: { ...rb.parameters, GroupId: { ...rb.parameters.GroupId!, pattern: '^sg-[0-9a-f]{8}$' } } }));
    expect(await approve(h, proposal.id, USERS.emergency)).toMatch(/^Approved, but not run: parameter GroupId rendered to "sg-0123456789abcdef0", which does not match/);
    expect(startsOf(h)).toEqual([]);
    expect(await highRiskProposal(h)).toMatchObject({ status: 'blocked' });
    expect((await audit(h, 'kind=action.refused'))[0]?.details).toMatchObject({ guard: 'approval' });
  });
});
