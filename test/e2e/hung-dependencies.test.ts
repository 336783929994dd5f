import { readFile } from 'node:fs/promises';
import { afterEach, describe, expect, it } from 'vitest';
import type { AuditRecord } from '../../src/core/audit.js';
import type { Proposal } from '../../src/core/proposal.js';
import { resumeStalledProposals } from '../../src/services/resume-stalled.js';
import { startStallingProxy } from '../fakes/stalling-proxy.js';
import { startHarness } from './harness.js';
import type { Harness } from './harness.js';
import { startSharedStore } from './shared-store.js';

const fixture = async (name: string) => JSON.parse(await readFile(`test/fixtures/alertmanager/${name}`, 'utf8')) as unknown;
const ECS_ACTION = 'ChatOps-ECSForceNewDeployment';
/** Short limits, so a test sees a hang end; production: store 8 s, SSM 10 s, guards 5 s. */
const TIMEOUTS = { storeMs: 400, ssmMs: 300, guardMs: 500 };

/** Issue 9's "something hangs": every store and SSM call, and every guard, ends in bounded time. */
describe('a dependency that takes calls and never answers', () => {
  let h: Harness;
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    await h.close();
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  const audit = async (q: string) => (await h.api<{ records: AuditRecord[] }>(`/api/audit?${q}`)).records;
  const ecsAction = async () => (await h.api<{ proposals: Proposal[] }>('/api/incidents/INC-1')).proposals.find((p) => p.plan.action.document === ECS_ACTION);

  it('store: a webhook is answered 503 (Alertmanager retries), not left hanging; the redelivery is stored once the store is back', async () => {
    const store = await startSharedStore();
    const proxy = await startStallingProxy(store.env.AWS_ENDPOINT_URL_DYNAMODB);
    cleanups.push(() => store.close(), () => proxy.close());
    h = await startHarness({ STORE: 'dynamodb', AWS_ENDPOINT_URL_DYNAMODB: proxy.url }, { timeouts: TIMEOUTS });
    proxy.stall();
    const answer = await h.postAlert('/alerts/alertmanager', await fixture('ecs-firing.json'));
    expect(answer.status).toBe(503);
    expect(await (await fetch(`${h.bot.url}/readyz`)).json()).toMatchObject({ status: 'not ready' });
    proxy.resume();
    expect((await h.postAlert('/alerts/alertmanager', await fixture('ecs-firing.json'))).status).toBe(200);
  });

  it('kill-switch read: the guard that cannot decide in time refuses, records why, and nothing runs', async () => {
    h = await startHarness({}, { timeouts: TIMEOUTS });
    h.bot.deps.killSwitches.engaged = () => new Promise(() => undefined);
    expect((await h.postAlert('/alerts/alertmanager', await fixture('ecs-firing.json'))).status).toBe(200);
    await h.settle();
    expect(h.ssm.callsTo('StartAutomationExecution').filter((c) => c.input.DocumentName === ECS_ACTION)).toEqual([]);
    expect(await ecsAction()).toMatchObject({ status: 'blocked', blockedBy: 'kill_switch' });
    const [refused] = await audit('incident=INC-1&kind=action.refused');
    expect(refused?.details).toMatchObject({ guard: 'kill_switch', reason: expect.stringMatching(/could not be checked \(no answer within 500 ms\); refusing/) });
  });

  it('SSM start: an attempt that gets no answer is aborted and retried under the same ClientToken; one execution runs', async () => {
    h = await startHarness({}, { timeouts: TIMEOUTS });
    h.ssm.script.hang('StartAutomationExecution', 1, ECS_ACTION);
    expect((await h.postAlert('/alerts/alertmanager', await fixture('ecs-firing.json'))).status).toBe(200);
    await h.settle();
    expect(h.ssm.callsTo('StartAutomationExecution').filter((c) => c.input.DocumentName === ECS_ACTION)).toHaveLength(2);
    expect(h.ssm.executions.filter((e) => e.documentName === ECS_ACTION)).toHaveLength(1);
    expect(await ecsAction()).toMatchObject({ status: 'succeeded' });
  });

  it('SSM poll: a poll that never answers is retried, recorded as lost tracking, and paged once it keeps happening', async () => {
    h = await startHarness({}, { timeouts: TIMEOUTS });
    h.ssm.script.hang('GetAutomationExecution', 1000);
    expect((await h.postAlert('/alerts/alertmanager', await fixture('ecs-firing.json'))).status).toBe(200);
    await h.settle();
    expect(await ecsAction()).toMatchObject({ status: 'running' });
    expect(await audit('incident=INC-1&kind=action.tracking_lost')).toHaveLength(1);
    expect(await audit('incident=INC-1&kind=escalation.triggered')).toEqual([]);
    // The in-flight job drives it again, twice more: still no answer, so the on-call hears of it.
    for (let i = 1; i <= 2; i++) {
      h.bot.deps.clock = { now: () => new Date(Date.now() + i * 5 * 60_000) };
      expect(await resumeStalledProposals(h.bot.deps)).toBe(1);
      await h.settle();
    }
    expect(await audit('incident=INC-1&kind=action.tracking_lost')).toHaveLength(3);
    expect(await audit('incident=INC-1&kind=escalation.triggered')).toMatchObject([{ trigger: 'tracking_lost' }]);
    expect((await ecsAction())?.status).toBe('running');
  });
});
