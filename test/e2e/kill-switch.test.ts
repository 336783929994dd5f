import { readFile } from 'node:fs/promises';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { AuditRecord } from '../../src/core/audit.js';
import type { Incident } from '../../src/core/incident.js';
import type { Proposal } from '../../src/core/proposal.js';
import type { KillSwitchStore } from '../../src/services/ports.js';
import { StoreUnavailableError } from '../../src/services/ports.js';
import { CHANNEL, USERS, startHarness } from './harness.js';
import type { Harness } from './harness.js';
import { startSharedStore } from './shared-store.js';
import type { SharedStore } from './shared-store.js';

const fixture = async (name: string) => JSON.parse(await readFile(`test/fixtures/alertmanager/${name}`, 'utf8')) as unknown;

type IncidentList = { incidents: (Incident & { proposals: Proposal[] })[] };

const ECS_ACTION = 'ChatOps-ECSForceNewDeployment';
const EC2_ACTION = 'ChatOps-EC2StopStartInstance';

const startsOf = (h: Harness, document: string) => h.ssm.callsTo('StartAutomationExecution').filter((c) => c.input.DocumentName === document);
const executionsOf = (h: Harness, document: string) => h.ssm.executions.filter((e) => e.documentName === document);

async function audit(h: Harness, query: string): Promise<AuditRecord[]> {
  return (await h.api<{ records: AuditRecord[] }>(`/api/audit?${query}&n=1000`)).records;
}

async function proposalFor(h: Harness, document: string): Promise<Proposal> {
  const { incidents } = await h.api<IncidentList>('/api/incidents');
  const found = incidents.flatMap((i) => i.proposals).find((p) => p.plan.action.document === document);
  if (!found) throw new Error(`no proposal for ${document}`);
  return found;
}

/** A kill-switch store that cannot be reached, after answering `answered` reads from the real one. */
function failingAfter(real: KillSwitchStore, answered: number): KillSwitchStore & { reads: number } {
  const store = {
    reads: 0,
    async engaged(scopes: readonly string[]) {
      store.reads++;
      if (store.reads <= answered) return real.engaged(scopes);
      throw new StoreUnavailableError('DynamoDB did not answer (TimeoutError: connect timed out)');
    },
    listEngaged: () => Promise.reject(new StoreUnavailableError('DynamoDB did not answer')),
    set: () => Promise.reject(new StoreUnavailableError('DynamoDB did not answer')),
  };
  return store;
}

describe('a kill-switch store that does not answer', () => {
  let h: Harness;
  afterEach(async () => h.close());

  async function expectRefusedUnchecked(document: string): Promise<void> {
    expect(startsOf(h, document)).toEqual([]);
    expect(executionsOf(h, document)).toEqual([]);
    const refusals = (await audit(h, 'kind=action.refused')).filter((r) => r.action === document);
    expect(refusals).toHaveLength(1);
    expect(refusals[0]).toMatchObject({ outcome: 'SKIPPED', details: { guard: 'kill_switch' } });
    expect(String(refusals[0]?.details?.reason)).toMatch(/^kill switch could not be checked \(.*did not answer.*\); refusing$/);
    expect(await audit(h, 'kind=action.started')).toEqual([]);
  }

  it('refuses an approved action instead of running it, audits why and tells the approver', async () => {
    h = await startHarness();
    expect((await h.postAlert('/alerts/alertmanager', await fixture('ec2-firing.json'))).status).toBe(200);
    await h.settle();
    const p = await proposalFor(h, EC2_ACTION);
    h.bot.deps.killSwitches = failingAfter(h.bot.deps.killSwitches, 0);
    expect((await h.click('approve_proposal', p.id, USERS.operator)).status).toBe(200);
    await h.settle();
    await expectRefusedUnchecked(EC2_ACTION);
    expect(await h.bot.deps.proposals.get(p.id)).toMatchObject({ status: 'blocked' });
    const replies = h.slack.accepted('response_url').map((c) => String(c.args.text));
    expect(replies).toEqual([expect.stringMatching(/^Approved, but not run: kill switch could not be checked/)]);
  });

  it('refuses a low-risk action that would otherwise run by itself', async () => {
    h = await startHarness();
    h.bot.deps.killSwitches = failingAfter(h.bot.deps.killSwitches, 0);
    expect((await h.postAlert('/alerts/alertmanager', await fixture('ecs-firing.json'))).status).toBe(200);
    await h.settle();
    await expectRefusedUnchecked(ECS_ACTION);
    expect(await proposalFor(h, ECS_ACTION)).toMatchObject({ status: 'blocked' });
  });

  it('refuses when the store answered the guard chain but not the re-read just before the SSM call', async () => {
    h = await startHarness();
    expect((await h.postAlert('/alerts/alertmanager', await fixture('ec2-firing.json'))).status).toBe(200);
    await h.settle();
    const p = await proposalFor(h, EC2_ACTION);
    const store = failingAfter(h.bot.deps.killSwitches, 1);
    h.bot.deps.killSwitches = store;
    expect((await h.click('approve_proposal', p.id, USERS.operator)).status).toBe(200);
    await h.settle();
    expect(store.reads).toBe(2);
    await expectRefusedUnchecked(EC2_ACTION);
  });
});

describe('a kill switch engaged on one bot process', () => {
  let store: SharedStore;
  let a: Harness;
  let b: Harness;

  beforeAll(async () => {
    store = await startSharedStore();
    a = await startHarness(store.env);
    // Process b shares only the store with a: its own Slack, its own SSM.
    b = await startHarness(store.env);
  });
  afterAll(async () => {
    await b.close();
    await a.close();
    await store.close();
  });

  it('is listed by the other process at once', async () => {
    expect((await b.command('/kill-switch', 'status', USERS.sre)).text).toMatch(/^No kill switch is engaged/);
    expect((await a.command('/kill-switch', 'on action:restart restarts are making it worse', USERS.sre)).text).toContain('is engaged');
    const status = await b.command('/kill-switch', 'status', USERS.operator);
    expect(status.text).toContain('`action:restart`: engaged by <@U01ABCDEF> (ON_CALL_SRE)');
    expect(status.text).toContain('restarts are making it worse');
  });

  it('stops an action on the other process, which was running all along and was not restarted', async () => {
    expect((await b.postAlert('/alerts/alertmanager', await fixture('ecs-firing.json'))).status).toBe(200);
    await b.settle();
    expect(startsOf(b, ECS_ACTION)).toEqual([]);
    const refusals = (await audit(b, 'kind=action.refused')).filter((r) => r.action === ECS_ACTION);
    expect(refusals).toHaveLength(1);
    expect(refusals[0]?.details).toMatchObject({ guard: 'kill_switch', reason: expect.stringContaining('kill switch action:restart is engaged (by <@U01ABCDEF>') });
  });

  it('once released on the first process, lets the other process run the next action', async () => {
    expect((await a.command('/kill-switch', 'off action:restart', USERS.sre)).text).toContain('is released');
    expect((await b.postAlert('/alerts/alertmanager', await fixture('ec2-firing.json'))).status).toBe(200);
    await b.settle();
    const p = await proposalFor(b, EC2_ACTION);
    expect((await b.click('approve_proposal', p.id, USERS.operator)).status).toBe(200);
    await b.settle();
    expect(executionsOf(b, EC2_ACTION)).toHaveLength(1);
    expect(b.slack.accepted('response_url').map((c) => c.args).filter((a) => String(a.text).startsWith('Approved'))).toEqual([expect.objectContaining({ channel: CHANNEL, text: expect.stringMatching(/^Approved .* it is running now/) })]);
  });
});

describe('a kill switch changed while its audit record cannot be written', () => {
  it('is still changed, and the operator is told both facts', async () => {
    const h = await startHarness({ DRY_RUN: 'true' });
    try {
      const real = h.bot.deps.audit;
      // Our own port: the store refuses only the kill switch's audit record.
      h.bot.deps.audit = {
        ...real,
        record: async (entry) => {
          if (entry.kind.startsWith('killswitch.')) throw new Error('store did not answer');
          return real.record(entry);
        },
      };
      const ack = await h.command('/kill-switch', 'on global testing', USERS.sre);
      expect(ack.text).toContain('is engaged');
      expect(ack.text).toContain('audit record could not be written');
      expect((await h.bot.deps.killSwitches.listEngaged()).map((s) => s.scope)).toEqual(['global']);
    } finally {
      await h.close();
    }
  });
});
