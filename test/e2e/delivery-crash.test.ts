import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createDynamoStores } from '../../src/adapters/stores/index.js';
import { startBot } from '../../src/main.js';
import type { RunningBot, StartOptions } from '../../src/main.js';
import type { Stores } from '../../src/adapters/stores/index.js';
import { startBotChild } from '../fakes/bot-child.js';
import type { BotChild } from '../fakes/bot-child.js';
import { startFakePagerDuty } from '../fakes/fake-pagerduty.js';
import type { FakePagerDuty } from '../fakes/fake-pagerduty.js';
import { startFakeSlackApi } from '../fakes/fake-slack-api.js';
import type { FakeSlackApi } from '../fakes/fake-slack-api.js';
import { startFakeSsm } from '../fakes/fake-ssm.js';
import type { FakeSsm } from '../fakes/fake-ssm.js';
import { SECRETS, TEST_DELIVERY, localBotEnv } from './harness.js';
import { startSharedStore } from './shared-store.js';
import type { SharedStore } from './shared-store.js';
import { ecsAlert, expectedLineSeqs, rootsOf, threadSeqs } from './delivery-helpers.js';

const ROUTING_KEY = 'e93facc04764012d7bfb002500d5d1a6';
const ECS_ACTION = 'ChatOps-ECSForceNewDeployment';

/**
 * The bot as its own process on a store of the test's own, killed with SIGKILL mid-step and started
 * again: what the store says was still to be delivered must reach Slack and PagerDuty, once. The
 * bot that takes over runs in the test's process: only the one killed needs a process of its own,
 * and each process start costs seconds of CPU a busy machine does not have.
 */
// A bot process takes about 2 s of CPU to start: on a 2-core machine that other work keeps ten
// times busier, that alone is 20 s, vitest's default budget for a whole test.
describe('delivery across a kill -9', { timeout: 60_000 }, () => {
  let store: SharedStore;
  let stores: Stores;
  let slack: FakeSlackApi;
  let ssm: FakeSsm;
  let pd: FakePagerDuty;
  let dataDir: string;
  const children: BotChild[] = [];
  const restarted: RunningBot[] = [];

  beforeEach(async () => {
    store = await startSharedStore();
    stores = createDynamoStores({ doc: store.doc, prefix: 'chatops-' });
    slack = await startFakeSlackApi();
    ssm = await startFakeSsm();
    pd = await startFakePagerDuty({ apiToken: 'pd-api-token-crash-test', oncalls: JSON.parse(await readFile('test/fixtures/pagerduty/oncalls.json', 'utf8')) });
    dataDir = await mkdtemp(path.join(tmpdir(), 'chatops-crash-'));
  });
  afterEach(async () => {
    for (const child of children.splice(0)) await child.stop();
    for (const bot of restarted.splice(0)) await bot.close();
    await slack.close();
    await ssm.close();
    await pd.close();
    await store.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  const env = () => ({
    ...localBotEnv(dataDir, slack.url, ssm.endpoint),
    ...store.env,
    ...SECRETS,
    DRY_RUN: 'false',
    LOG_LEVEL: 'info',
    PAGERDUTY_ROUTING_KEY: ROUTING_KEY,
    PAGERDUTY_EVENTS_URL: pd.url,
  });
  const OPTIONS = { pollIntervalMs: { initial: 1, max: 5 }, slackMinIntervalMs: 0, scheduler: false, delivery: { ...TEST_DELIVERY, slackRequestTimeoutMs: 500 } } satisfies Partial<StartOptions>;

  /** The bot in a process of its own, to be killed with SIGKILL. */
  async function bot(): Promise<BotChild> {
    const child = await startBotChild(env(), OPTIONS);
    children.push(child);
    return child;
  }

  /** The bot started again after the crash, on the same store, Slack, SSM and PagerDuty. */
  async function restart(): Promise<RunningBot> {
    const quiet = new Writable({ write: (_chunk, _enc, done) => done() });
    const bot = await startBot({ env: env(), awsCredentials: { accessKeyId: 'test', secretAccessKey: 'test' }, logDestination: quiet, ...OPTIONS });
    restarted.push(bot);
    return bot;
  }

  const post = (child: BotChild, payload: unknown) =>
    fetch(`${child.url}/alerts/alertmanager`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${SECRETS.ALERT_WEBHOOK_TOKEN}` }, body: JSON.stringify(payload) });

  /** Until the bot's delivery has nothing left (its own figures), checked twice in a row. */
  async function delivered(child: { url: string }): Promise<void> {
    let quiet = 0;
    await vi.waitFor(
      async () => {
        const text = await (await fetch(`${child.url}/metrics`, { headers: { authorization: `Bearer ${SECRETS.OPERATOR_TOKEN}` } })).text();
        const left = !/^chatops_delivering 1$/m.test(text) || /^chatops_slack_queue_depth (\d+)$/m.exec(text)?.[1] !== '0' || /^chatops_pagerduty_queue_depth (\d+)$/m.exec(text)?.[1] !== '0';
        quiet = left ? 0 : quiet + 1;
        expect(quiet).toBeGreaterThanOrEqual(2);
      },
      { timeout: 30_000, interval: 200 },
    );
  }

  it('delivers the page and the thread lines queued at the crash after the restart, each once', async () => {
    slack.startOutage({ status: 500 });
    await pd.down();
    ssm.script.setStatuses(ECS_ACTION, ['InProgress', 'Failed']);
    const first = await bot();
    expect((await post(first, ecsAlert('cart'))).status).toBe(200);
    // The run failed and the page is written; Slack and PagerDuty have taken nothing yet.
    await vi.waitFor(async () => expect(await stores.audit.query({ incident: 'INC-1', kind: 'escalation.triggered' })).toHaveLength(1), { timeout: 20_000, interval: 50 });
    expect(pd.events).toEqual([]);
    await first.kill9();

    slack.endOutage();
    await pd.up();
    const second = await restart();
    await delivered(second);

    expect(pd.accepted().map((e) => e.body.event_action)).toEqual(['trigger']);
    expect(await stores.audit.query({ incident: 'INC-1', kind: 'escalation.paged' })).toHaveLength(1);
    expect(rootsOf(slack, 'INC-1')).toHaveLength(1);
    const seqs = threadSeqs(slack, 'INC-1');
    expect(new Set(seqs).size, 'no thread line twice').toBe(seqs.length);
    expect([...seqs].sort((a, b) => a - b)).toEqual(expectedLineSeqs(await stores.audit.chain('INC-1')));
  });

  it('posts one root message when the bot was killed while Slack held the answer to its root post', async () => {
    slack.startOutage({ hang: true });
    const first = await bot();
    expect((await post(first, ecsAlert('search'))).status).toBe(200);
    // Slack has the root message; the bot never hears so.
    await slack.waitFor((calls) => calls.some((c) => c.method === 'chat.postMessage'), 20_000);
    await first.kill9();
    expect(rootsOf(slack, 'INC-1')).toHaveLength(1);

    slack.endOutage();
    const second = await restart();
    await delivered(second);

    expect(rootsOf(slack, 'INC-1'), 'the root found again, not posted again').toHaveLength(1);
    expect([...threadSeqs(slack, 'INC-1')].sort((a, b) => a - b)).toEqual(expectedLineSeqs(await stores.audit.chain('INC-1')));
  });
});
