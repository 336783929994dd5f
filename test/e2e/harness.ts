import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { startBot } from '../../src/main.js';
import type { RunningBot, StartOptions } from '../../src/main.js';
import { startFakeSlackApi } from '../fakes/fake-slack-api.js';
import { startFakeSsm } from '../fakes/fake-ssm.js';
import type { FakeSsm } from '../fakes/fake-ssm.js';
import { buttonClickPayload, formEncode, signSlackRequest, slashCommandFields } from '../fakes/slack-signing.js';

export const SECRETS = {
  SLACK_BOT_TOKEN: 'xoxb-e2e-bot-token-5f1d2c',
  SLACK_SIGNING_SECRET: 'e2e-signing-secret-9a8b7c',
  ALERT_WEBHOOK_TOKEN: 'e2e-alert-token-3c4d5e',
  OPERATOR_TOKEN: 'e2e-operator-token-7e8f9a',
};

export const CHANNEL = 'C0INCIDENTS';
/** From runbooks/policy.yaml: ON_CALL_SRE, HUMAN_OPERATOR, EMERGENCY_OVERRIDE, and nobody. */
export const USERS = { sre: 'U01ABCDEF', operator: 'U02ABCDEF', emergency: 'U03ABCDEF', stranger: 'U09NOBODY' };

export type FakeSlack = Awaited<ReturnType<typeof startFakeSlackApi>>;

export interface Harness {
  bot: RunningBot;
  slack: FakeSlack;
  ssm: FakeSsm;
  dataDir: string;
  logs: string[];
  /** POST JSON to the bot with the alert webhook token. */
  postAlert(route: string, body: unknown, headers?: Record<string, string>): Promise<Response>;
  /** GET an operator API path with the operator token; returns parsed JSON. */
  api<T = unknown>(pathAndQuery: string): Promise<T>;
  /** A correctly signed Slack button click, not sent: to send it more than once (replays). */
  signedClick(actionId: string, value: string, userId: string): { body: string; headers: Record<string, string> };
  /** A correctly signed Slack button click. */
  click(actionId: string, proposalId: string, userId: string, extra?: { headers?: Record<string, string>; timestampSeconds?: number; secret?: string }): Promise<Response>;
  /**
   * A correctly signed slash command (`name` with its slash, e.g. `/kill-switch`), returning what
   * the user sees first: the ack's body when it has one, otherwise the first reply the bot posts to
   * the command's response_url. Throws unless the bot answered 200 (and, with a body, JSON).
   */
  command(name: string, text: string, userId: string, extra?: { timestampSeconds?: number }): Promise<SlashCommandAck>;
  /** Waits until background work (diagnostics, executions, Slack posts) is done. */
  settle(): Promise<void>;
  /** Stops the bot and starts it again on the same port, store and fakes (`bot` is then the new one). */
  restart(): Promise<void>;
  close(): Promise<void>;
}

/** What a slash command's ack carries: an ephemeral text, or a message with blocks. */
export interface SlashCommandAck {
  response_type?: string;
  text?: string;
  // Block Kit as the bot built it; `any` so tests can reach into buttons without casts.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  blocks?: any[];
}

/**
 * The environment of a bot on loopback only: a random port, the embedded store in `dataDir`, the
 * fake Slack and the fake SSM. Secrets, DRY_RUN and LOG_LEVEL are the caller's to add.
 */
export function localBotEnv(dataDir: string, slackUrl: string, ssmEndpoint: string): Record<string, string> {
  return {
    PORT: '0',
    HOST: '127.0.0.1',
    STORE: 'embedded',
    DATA_DIR: dataDir,
    SLACK_API_URL: slackUrl,
    SLACK_INCIDENT_CHANNEL: CHANNEL,
    AWS_REGION: 'us-east-1',
    AWS_ENDPOINT_URL_SSM: ssmEndpoint,
  };
}

/**
 * Delivery at test speed: Slack's update budget off (the fake enforces Slack's limits only when
 * asked), short backoffs, and a short lease so a second bot on a shared store takes over quickly.
 * Root messages are updated at once after each change; tests of alert storms pass STORM_DELIVERY.
 */
export const TEST_DELIVERY: NonNullable<StartOptions['delivery']> = {
  slackPacing: { updatesPerWindow: Number.MAX_SAFE_INTEGER },
  slackBackoff: { baseMs: 20, maxMs: 200 },
  slackUpdateSettleMs: 0,
  pagerdutyBackoff: { baseMs: 20, maxMs: 200, rateLimitedMs: 20 },
  leaseMs: 1500,
  pollMs: 200,
};

/**
 * For storms of alerts: root-message updates coalesced over a second, as in production. Updating
 * after each of a thousand records re-reads a large incident a thousand times, which made a storm
 * test spend 20 s or more of CPU on what production does once a second.
 */
export const STORM_DELIVERY: Partial<NonNullable<StartOptions['delivery']>> = { slackUpdateSettleMs: 1000 };

/**
 * A bot on its own embedded store, with a fake Slack and a fake SSM. `fakes.slack`: one the caller
 * started (Slack's own pacing enforced, say) and closes itself.
 */
export async function startHarness(env: Record<string, string> = {}, options: Partial<StartOptions> = {}, fakes: { slack?: FakeSlack } = {}): Promise<Harness> {
  const slack = fakes.slack ?? (await startFakeSlackApi());
  const ssm = await startFakeSsm();
  const dataDir = await mkdtemp(path.join(tmpdir(), 'chatops-e2e-'));
  const logs: string[] = [];
  const logDestination = new Writable({
    write(chunk: Buffer, _enc, done) {
      logs.push(chunk.toString('utf8'));
      done();
    },
  });
  const start = (port?: string) => startBot({
    env: {
      ...localBotEnv(dataDir, slack.url, ssm.endpoint),
      ...(port ? { PORT: port } : {}),
      DRY_RUN: 'false',
      LOG_LEVEL: 'debug',
      // Tests poll the API far faster than a person; the limit has a test of its own.
      API_RATE_LIMIT_PER_MINUTE: '100000',
      ...SECRETS,
      ...env,
    },
    awsCredentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    sleep: () => new Promise((r) => setTimeout(r, 1)),
    pollIntervalMs: { initial: 1, max: 5 },
    slackMinIntervalMs: 0,
    logDestination,
    // The catalogue's scheduled runbooks would run inside any test that spans their minute (02:00
    // UTC daily, for one): tests that need them start the job themselves.
    scheduler: { skip: ['scheduled-runbooks'] },
    ...options,
    delivery: { ...TEST_DELIVERY, ...options.delivery },
  });
  let bot = await start();
  const signingSecret = env.SLACK_SIGNING_SECRET ?? SECRETS.SLACK_SIGNING_SECRET;
  return {
    get bot() {
      return bot;
    },
    slack,
    ssm,
    dataDir,
    logs,
    postAlert: (route, body, headers = {}) =>
      fetch(`${bot.url}${route}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${SECRETS.ALERT_WEBHOOK_TOKEN}`, ...headers },
        body: typeof body === 'string' ? body : JSON.stringify(body),
      }),
    async api<T>(pathAndQuery: string) {
      const res = await fetch(`${bot.url}${pathAndQuery}`, { headers: { authorization: `Bearer ${SECRETS.OPERATOR_TOKEN}` } });
      if (!res.ok) throw new Error(`${pathAndQuery} answered ${res.status}: ${await res.text()}`);
      return (await res.json()) as T;
    },
    signedClick(actionId, value, userId) {
      const payload = buttonClickPayload({ actionId, value, userId, channel: CHANNEL, responseUrl: slack.responseUrl({ user: userId, channel: CHANNEL }) });
      const body = formEncode({ payload: JSON.stringify(payload) });
      return { body, headers: { 'content-type': 'application/x-www-form-urlencoded', ...signSlackRequest(signingSecret, body, Math.floor(Date.now() / 1000)) } };
    },
    click(actionId, proposalId, userId, extra = {}) {
      const payload = buttonClickPayload({ actionId, value: proposalId, userId, channel: CHANNEL, responseUrl: slack.responseUrl({ user: userId, channel: CHANNEL }) });
      const body = formEncode({ payload: JSON.stringify(payload) });
      const ts = extra.timestampSeconds ?? Math.floor(Date.now() / 1000);
      return fetch(`${bot.url}/slack/events`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', ...signSlackRequest(extra.secret ?? signingSecret, body, ts), ...extra.headers },
        body,
      });
    },
    async command(name, text, userId, extra = {}) {
      const responseUrl = slack.responseUrl({ user: userId, channel: CHANNEL });
      const body = formEncode(slashCommandFields({ command: name, text, userId, channel: CHANNEL, responseUrl }));
      const ts = extra.timestampSeconds ?? Math.floor(Date.now() / 1000);
      const res = await fetch(`${bot.url}/slack/events`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', ...signSlackRequest(signingSecret, body, ts) },
        body,
      });
      const raw = await res.text();
      if (res.status !== 200 || (raw !== '' && !res.headers.get('content-type')?.includes('application/json'))) throw new Error(`${name} ${text} answered ${res.status}: ${raw}`);
      if (raw !== '') return JSON.parse(raw) as SlashCommandAck;
      const replied = () => slack.calls.find((c) => c.method === 'response_url' && c.args.response_url === responseUrl);
      await slack.waitFor(() => replied() !== undefined);
      const { user: _user, channel: _channel, response_url: _url, ...message } = replied()?.args ?? {};
      return message as SlashCommandAck;
    },
    settle: () => bot.settle(),
    async restart() {
      const port = new URL(bot.url).port;
      await bot.close();
      bot = await start(port);
    },
    async close() {
      await bot.close();
      if (!fakes.slack) await slack.close();
      await ssm.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
