import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { startBot } from '../../src/main.js';
import type { RunningBot } from '../../src/main.js';
import { createDynamoStores } from '../../src/adapters/stores/index.js';
import { startFakeSlackApi } from '../fakes/fake-slack-api.js';
import type { FakeSlackApi } from '../fakes/fake-slack-api.js';
import { startFakeSsm } from '../fakes/fake-ssm.js';
import type { FakeSsm } from '../fakes/fake-ssm.js';
import { buttonClickPayload, formEncode, signSlackRequest } from '../fakes/slack-signing.js';
import { CHANNEL, SECRETS, TEST_DELIVERY, USERS, localBotEnv } from './harness.js';
import { startSharedStore } from './shared-store.js';
import type { SharedStore } from './shared-store.js';
import { approveButtons, ec2Alert, ecsAlert, expectedLineSeqs, proposalMessagesOf, rootsOf, threadSeqs } from './delivery-helpers.js';

describe('two replicas on one store, one Slack', () => {
  let store: SharedStore;
  let slack: FakeSlackApi;
  let ssm: FakeSsm;
  let dataDir: string;
  const bots: RunningBot[] = [];

  afterAll(async () => {
    for (const bot of bots) await bot.close();
    await slack.close();
    await ssm.close();
    await store.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  async function replica(): Promise<RunningBot> {
    const bot = await startBot({
      env: { ...localBotEnv(dataDir, slack.url, ssm.endpoint), ...store.env, DRY_RUN: 'false', LOG_LEVEL: 'silent', ...SECRETS },
      awsCredentials: { accessKeyId: 'test', secretAccessKey: 'test' },
      pollIntervalMs: { initial: 1, max: 5 },
      slackMinIntervalMs: 0,
      scheduler: false,
      delivery: TEST_DELIVERY,
      shutdownGraceMs: 500,
    });
    bots.push(bot);
    return bot;
  }

  const post = (bot: RunningBot, payload: unknown) =>
    fetch(`${bot.url}/alerts/alertmanager`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${SECRETS.ALERT_WEBHOOK_TOKEN}` }, body: JSON.stringify(payload) });

  const approve = (bot: RunningBot, proposalId: string, user: string) => {
    const body = formEncode({ payload: JSON.stringify(buttonClickPayload({ actionId: 'approve_proposal', value: proposalId, userId: user, channel: CHANNEL })) });
    return fetch(`${bot.url}/slack/events`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', ...signSlackRequest(SECRETS.SLACK_SIGNING_SECRET, body, Math.floor(Date.now() / 1000)) }, body });
  };

  it('deliver every message exactly once, also when the one delivering stops and the other takes over', async () => {
    store = await startSharedStore();
    slack = await startFakeSlackApi();
    ssm = await startFakeSsm();
    dataDir = await mkdtemp(path.join(tmpdir(), 'chatops-replicas-'));
    const [a, b] = [await replica(), await replica()];
    const stores = createDynamoStores({ doc: store.doc, prefix: 'chatops-' });

    // Work arrives at both replicas while Slack is down, so a backlog builds up in the store.
    slack.startOutage({ status: 503 });
    const payloads = [ecsAlert('cart'), ec2Alert('i-0aaaaaaaaaaaaaaa1'), ecsAlert('search'), ec2Alert('i-0bbbbbbbbbbbbbbb2'), ecsAlert('checkout')];
    for (const [i, payload] of payloads.entries()) expect((await post(i % 2 === 0 ? a : b, payload)).status).toBe(200);
    const incidents = ['INC-1', 'INC-2', 'INC-3', 'INC-4', 'INC-5'];
    const waiting = async (id: string) => (await stores.proposals.listByIncident(id)).find((p) => p.status === 'pending_approval');
    await vi.waitFor(async () => expect(await waiting('INC-2')).toBeDefined(), { timeout: 10_000, interval: 20 });
    expect((await approve(b, (await waiting('INC-2'))!.id, USERS.operator)).status).toBe(200);
    await vi.waitFor(() => expect(ssm.callsTo('StartAutomationExecution').filter((c) => c.input.DocumentName === 'ChatOps-ECSForceNewDeployment')).toHaveLength(3), { timeout: 10_000, interval: 20 });
    await vi.waitFor(() => expect(ssm.callsTo('StartAutomationExecution').filter((c) => c.input.DocumentName === 'ChatOps-EC2StopStartInstance')).toHaveLength(1), { timeout: 10_000, interval: 20 });

    // The replica delivering goes away (a deploy); the other takes the lease and the backlog.
    expect([a, b].filter((bot) => bot.delivering()), 'one replica delivers').toHaveLength(1);
    const [leaving, staying] = a.delivering() ? [a, b] : [b, a];
    bots.splice(bots.indexOf(leaving), 1);
    await leaving.close();
    slack.endOutage();
    await vi.waitFor(
      async () => {
        await staying.settle();
        expect(staying.delivering()).toBe(true);
        for (const id of incidents) {
          expect(rootsOf(slack, id)).toHaveLength(1);
          expect([...threadSeqs(slack, id)].sort((x, y) => x - y)).toEqual(expectedLineSeqs(await stores.audit.chain(id)));
        }
      },
      { timeout: 20_000, interval: 200 },
    );
    for (const id of incidents) {
      const seqs = threadSeqs(slack, id);
      expect(new Set(seqs).size, `${id}: no thread line twice`).toBe(seqs.length);
      for (const p of await stores.proposals.listByIncident(id)) {
        if (p.approvalsRequired > 0) expect(proposalMessagesOf(slack, p.id), `${id}: one proposal message`).toHaveLength(1);
      }
    }
    const left = (await waiting('INC-4'))!;
    expect(approveButtons(proposalMessagesOf(slack, left.id)[0])).toHaveLength(1);
    expect(slack.rateLimited()).toEqual([]);
  });
});
