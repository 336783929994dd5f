import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditRecord } from '../../src/core/audit.js';
import type { Proposal } from '../../src/core/proposal.js';
import type { KillSwitch } from '../../src/services/ports.js';
import { SECRETS, startHarness } from './harness.js';
import type { Harness } from './harness.js';
import { startSharedStore } from './shared-store.js';
import type { SharedStore } from './shared-store.js';

const fixture = async (name: string) => JSON.parse(await readFile(`test/fixtures/alertmanager/${name}`, 'utf8')) as unknown;
const ECS_ACTION = 'ChatOps-ECSForceNewDeployment';

async function poll<T>(what: string, probe: () => Promise<T | undefined>): Promise<T> {
  for (let i = 0; i < 200; i++) {
    const value = await probe();
    if (value !== undefined) return value;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`gave up waiting for ${what}`);
}

function post(h: Harness, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${h.bot.url}/api/kill-switches`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${SECRETS.OPERATOR_TOKEN}`, ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

describe('kill switches over the operator API, on two replicas sharing one store', () => {
  let store: SharedStore;
  let a: Harness;
  let b: Harness;

  beforeAll(async () => {
    store = await startSharedStore();
    a = await startHarness({ ...store.env }, { scheduler: false });
    b = await startHarness({ ...store.env }, { scheduler: false });
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await store?.close();
  });

  it.each([
    ['no scope', { state: 'on', reason: 'x' }, 'scope'],
    ['a scope of an unknown kind', { scope: 'region:eu-west-1', state: 'on', reason: 'x' }, 'scope'],
    ['a state that is neither on nor off', { scope: 'global', state: 'engaged', reason: 'x' }, 'state'],
    ['no reason', { scope: 'global', state: 'on' }, 'reason'],
    ['a blank reason', { scope: 'global', state: 'on', reason: '   ' }, 'reason'],
    ['abort_running that is not a boolean', { scope: 'global', state: 'on', reason: 'x', abort_running: 'yes' }, 'abort_running'],
    ['abort_running on a release', { scope: 'global', state: 'off', reason: 'x', abort_running: true }, 'abort_running'],
    ['an unknown field', { scope: 'global', state: 'on', reason: 'x', force: true }, 'force'],
    ['a body that is not JSON', '{"scope": "global",', 'body'],
  ])('answers 400 naming the field for %s, and changes nothing', async (_what, body, field) => {
    const res = await post(a, body);
    expect(res.status).toBe(400);
    const answer = (await res.json()) as { error: string; field: string };
    expect(answer.field).toBe(field);
    expect(answer.error.startsWith(`${field}: `)).toBe(true);
    expect(await a.bot.deps.killSwitches.listEngaged()).toEqual([]);
  });

  it('answers 415 to a body that is not application/json', async () => {
    const res = await post(a, JSON.stringify({ scope: 'global', state: 'on', reason: 'x' }), { 'content-type': 'text/plain' });
    expect(res.status).toBe(415);
    expect(await a.bot.deps.killSwitches.listEngaged()).toEqual([]);
  });

  it('engages a switch on one replica, which the other lists and obeys at once', async () => {
    const res = await post(a, { scope: 'service:checkout-api', state: 'on', reason: 'deploy freeze' });
    expect(res.status).toBe(200);
    const { switch: stored } = (await res.json()) as { switch: KillSwitch };
    expect(stored).toMatchObject({ scope: 'service:checkout-api', engaged: true, by: 'operator-token', authority: 'EMERGENCY_OVERRIDE', reason: 'deploy freeze' });
    expect(await b.api<{ switches: KillSwitch[] }>('/api/kill-switches')).toEqual({ switches: [stored] });

    // An alert on the other replica: its low-risk action is refused by the switch, not started.
    await b.postAlert('/alerts/alertmanager', await fixture('ecs-firing.json'));
    await b.settle();
    expect(b.ssm.callsTo('StartAutomationExecution').filter((c) => c.input.DocumentName === ECS_ACTION)).toEqual([]);
    const { records } = await b.api<{ records: AuditRecord[] }>('/api/audit?kind=action.refused');
    expect(records).toHaveLength(1);
    expect(records[0]?.details).toMatchObject({ guard: 'kill_switch' });
    expect(String(records[0]?.details?.reason)).toContain('kill switch service:checkout-api is engaged (by operator-token');
  });

  it('releases it from the other replica: audited in the CONTROLS trail, and no longer listed', async () => {
    const res = await post(b, { scope: 'service:checkout-api', state: 'off', reason: 'freeze over' });
    expect(res.status).toBe(200);
    expect(await a.api<{ switches: KillSwitch[] }>('/api/kill-switches')).toEqual({ switches: [] });
    const { records } = await a.api<{ records: AuditRecord[] }>('/api/audit?incident=CONTROLS');
    expect(records.map((r) => [r.kind, r.operator, r.trigger, r.targetResource])).toEqual([
      ['killswitch.engaged', 'operator-token', 'api', 'service:checkout-api'],
      ['killswitch.released', 'operator-token', 'api', 'service:checkout-api'],
    ]);
  });

  it('with abort_running, stops the running actions in scope and says which', async () => {
    b.ssm.script.setStatuses(ECS_ACTION, ['InProgress']);
    // Another group, so a new incident whose low-risk action runs (and, scripted, keeps running).
    const again = { ...(await fixture('ecs-firing.json') as Record<string, unknown>), groupKey: '{}:{alertname="ECSServiceTasksBelowDesired", again="1"}' };
    expect((await b.postAlert('/alerts/alertmanager', again)).status).toBe(200);
    const running = await poll('a running ECS action', async () => (await b.bot.deps.proposals.listByStatus(['running'])).find((p: Proposal) => p.executionId));
    // Each harness has its own fake SSM: ask the replica whose fake holds the execution.
    const res = await post(b, { scope: 'global', state: 'on', reason: 'runaway restarts', abort_running: true });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { aborted: unknown[] };
    expect(body.aborted).toEqual([{ incidentId: running.incidentId, proposalId: running.id, runbook: 'ecs-force-new-deployment', target: 'ecs:prod-cluster/checkout-api', executionId: running.executionId, stopped: true }]);
    expect(b.ssm.callsTo('StopAutomationExecution').map((c) => c.input.AutomationExecutionId)).toEqual([running.executionId]);
    const { records } = await a.api<{ records: AuditRecord[] }>(`/api/audit?incident=${running.incidentId}&kind=action.aborted`);
    expect(records).toMatchObject([{ operator: 'operator-token', authority: 'EMERGENCY_OVERRIDE', executionId: running.executionId }]);
    expect((await post(a, { scope: 'global', state: 'off', reason: 'calm again' })).status).toBe(200);
  });

  it('with abort_running, stops an action the status index does not list yet', async () => {
    b.ssm.script.setStatuses(ECS_ACTION, ['InProgress']);
    // Another service: checkout-api's restart is in its cooldown, or stopped, by now.
    const third = JSON.parse(JSON.stringify(await fixture('ecs-firing.json')).replaceAll('checkout-api', 'search-api')) as Record<string, unknown>;
    third.groupKey = '{}:{alertname="ECSServiceTasksBelowDesired", service="search-api"}';
    expect((await b.postAlert('/alerts/alertmanager', third)).status).toBe(200);
    const running = await poll('a running ECS action', async () => (await b.bot.deps.proposals.listByStatus(['running'])).find((p: Proposal) => p.executionId));
    // The index the running actions are listed from follows each write a moment later (DynamoDB's
    // global secondary indexes are eventually consistent): the first look does not see this one.
    const proposals = b.bot.deps.proposals;
    const listByStatus = proposals.listByStatus.bind(proposals);
    let looks = 0;
    proposals.listByStatus = async (statuses) => (++looks === 1 ? [] : listByStatus(statuses));
    try {
      const res = await post(b, { scope: 'global', state: 'on', reason: 'runaway restarts', abort_running: true });
      expect(res.status).toBe(200);
      const body = (await res.json()) as { aborted: { proposalId: string; stopped: boolean }[] };
      expect(body.aborted).toEqual([expect.objectContaining({ proposalId: running.id, executionId: running.executionId, stopped: true })]);
      expect(looks).toBe(2);
    } finally {
      proposals.listByStatus = listByStatus;
    }
    expect(b.ssm.callsTo('StopAutomationExecution').map((c) => c.input.AutomationExecutionId)).toContain(running.executionId);
    expect((await post(a, { scope: 'global', state: 'off', reason: 'calm again' })).status).toBe(200);
  });
});
