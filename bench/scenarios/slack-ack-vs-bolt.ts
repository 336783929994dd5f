import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { App, HTTPReceiver, LogLevel } from '@slack/bolt';
import type { Incident } from '../../src/core/incident.js';
import type { Proposal } from '../../src/core/proposal.js';
import { CHANNEL, SECRETS, USERS } from '../../test/e2e/harness.js';
import type { Harness } from '../../test/e2e/harness.js';
import { buttonClickPayload, formEncode, signSlackRequest, slashCommandFields } from '../../test/fakes/slack-signing.js';
import { firingPayload } from '../alertmanager-payloads.js';
import { closeBenchHarness, startBenchHarness, warnings } from '../bench-harness.js';
import { closedLoop } from '../load.js';
import { percentile } from '../percentiles.js';
import type { Row, Scenario } from '../row.js';

const INCIDENTS = 20;
const ROUNDS = 4;
/** Slack gives up after 3 s; the bot should cost little more than Bolt itself. */
const MAX_P99_MS = 50;
const RATIO = 1.5;
const ALLOWANCE_MS = 5;

type IncidentList = { incidents: (Incident & { proposals: Proposal[] })[] };

/** A bare Bolt app on its own HTTPReceiver: same @slack/bolt, same signature check, listeners that only ack. */
async function startBareBolt(): Promise<{ url: string; stop: () => Promise<void> }> {
  const receiver = new HTTPReceiver({ signingSecret: SECRETS.SLACK_SIGNING_SECRET, endpoints: '/slack/events', logLevel: LogLevel.ERROR });
  const app = new App({ receiver, authorize: async () => ({ botToken: 'xoxb-bare-bolt' }), logLevel: LogLevel.ERROR });
  app.command(/.*/, async ({ ack }) => ack());
  app.action(/.*/, async ({ ack }) => ack());
  const server = await receiver.start({ port: 0, host: '127.0.0.1' });
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/slack/events`, stop: () => receiver.stop() };
}

/** One Slack request as Slack sends it: form body; signed per target at send time. */
type SlackRequest = { body: string };

/**
 * The mix an on-call channel sends: every slash command and every button kind, each with its own
 * trigger_id and response_url (Slack's are unique), so no two requests carry the same signature.
 */
function requests(h: Harness, proposals: readonly Proposal[]): SlackRequest[] {
  const out: SlackRequest[] = [];
  let n = 0;
  const command = (command: string, text: string, userId: string) =>
    out.push({ body: formEncode({ ...slashCommandFields({ command, text, userId, channel: CHANNEL, responseUrl: h.slack.responseUrl({ user: userId, channel: CHANNEL }) }), trigger_id: `bench.${(n += 1)}` }) });
  const click = (actionId: string, value: string, userId: string) => {
    const payload = { ...buttonClickPayload({ actionId, value, userId, channel: CHANNEL, responseUrl: h.slack.responseUrl({ user: userId, channel: CHANNEL }) }), trigger_id: `bench.${(n += 1)}` };
    out.push({ body: formEncode({ payload: JSON.stringify(payload) }) });
  };
  for (let round = 0; round < ROUNDS; round++) {
    for (const [i, p] of proposals.entries()) {
      if (i % 4 === 0) command('/kill-switch', 'status', USERS.stranger);
      if (i % 4 === 1) command('/incident', 'list', USERS.sre);
      if (i % 4 === 2) command('/incident', `show ${p.incidentId}`, USERS.sre);
      if (i % 4 === 3) command('/kill-switch', 'on service:bench-nothing bench', USERS.stranger);
      click('approve_proposal', `${p.id}|${p.plan.digest}`, USERS.stranger);
      click('dry_run_proposal', p.id, USERS.operator);
      click('ack_incident', p.incidentId, USERS.stranger);
      if (round === ROUNDS - 1) click('approve_proposal', `${p.id}|${p.plan.digest}`, USERS.operator);
    }
  }
  return out;
}

/**
 * Incidents whose proposals await approval. Waits for the proposals, not for Slack: the paced
 * outbox (one post a second per channel, as Slack allows) goes on draining during the measurement,
 * as it would in production.
 */
async function openPendingProposals(h: Harness): Promise<Proposal[]> {
  const opened = await closedLoop(INCIDENTS, 10, (i) => h.postAlert('/alerts/alertmanager', firingPayload({ group: 3 * i, index: 0 })));
  if (opened.failures > 0) throw new Error(`could not open the incidents to click on: ${opened.errors.join('; ')}`);
  for (let attempt = 0; attempt < 600; attempt++) {
    const { incidents } = await h.api<IncidentList>(`/api/incidents?status=open&limit=${INCIDENTS * 2}`);
    const pending = incidents.flatMap((i) => i.proposals).filter((p) => p.status === 'pending_approval');
    if (pending.length >= INCIDENTS) return pending;
    await sleep(100);
  }
  throw new Error(`the ${INCIDENTS} proposals did not reach pending_approval within a minute`);
}

async function timedPost(url: string, req: SlackRequest): Promise<{ ms: number; ok: boolean }> {
  const headers = { 'content-type': 'application/x-www-form-urlencoded', ...signSlackRequest(SECRETS.SLACK_SIGNING_SECRET, req.body, Math.floor(Date.now() / 1000)) };
  const started = performance.now();
  const res = await fetch(url, { method: 'POST', headers, body: req.body });
  await res.text();
  return { ms: performance.now() - started, ok: res.status === 200 };
}

/**
 * The same signed slash commands and clicks sent to the bot and to a bare Bolt app, one after the
 * other in alternating order, in one process: ack latency (request → HTTP answer) side by side.
 * The bot's work after each ack (store, policy, audit, replies) runs in the background and
 * competes with the next requests, as in production; Bolt has none.
 */
export const slackAckVsBoltScenario: Scenario = {
  name: 'Slack ack vs a bare Bolt app, the same signed commands and clicks',
  async run(): Promise<Row[]> {
    const h = await startBenchHarness();
    const bolt = await startBareBolt();
    try {
      const proposals = await openPendingProposals(h);
      if (proposals.length !== INCIDENTS) throw new Error(`expected ${INCIDENTS} pending proposals, found ${proposals.length}`);
      const all = requests(h, proposals);
      const bot: number[] = [];
      const bare: number[] = [];
      let failures = 0;
      const botUrl = `${h.bot.url}/slack/events`;
      for (const [i, req] of all.entries()) {
        const order = i % 2 === 0 ? [botUrl, bolt.url] : [bolt.url, botUrl];
        for (const url of order) {
          const r = await timedPost(url, req);
          if (!r.ok) failures += 1;
          (url === botUrl ? bot : bare).push(r.ms);
        }
      }
      const botP99 = percentile(bot, 99);
      const bareP99 = percentile(bare, 99);
      const limit = Math.min(MAX_P99_MS, RATIO * bareP99 + ALLOWANCE_MS);
      return [
        { name: `slack ack vs bolt: bot p50 (${bot.length} requests)`, value: percentile(bot, 50), unit: 'ms' },
        { name: 'slack ack vs bolt: bot p99', value: botP99, unit: 'ms', target: `≤ min(${MAX_P99_MS}, ${RATIO}× bare + ${ALLOWANCE_MS}) = ${limit.toFixed(1)} ms`, pass: botP99 <= limit },
        { name: 'slack ack vs bolt: bot max', value: percentile(bot, 100), unit: 'ms' },
        { name: `slack ack vs bolt: bare Bolt p50 (${bare.length} requests)`, value: percentile(bare, 50), unit: 'ms' },
        { name: 'slack ack vs bolt: bare Bolt p99', value: bareP99, unit: 'ms' },
        { name: 'slack ack vs bolt: bare Bolt max', value: percentile(bare, 100), unit: 'ms' },
        { name: 'slack ack vs bolt: p99 ratio bot / bare', value: bareP99 > 0 ? botP99 / bareP99 : Number.NaN, unit: '×' },
        { name: 'slack ack vs bolt: non-200 answers', value: failures, unit: 'requests', target: '= 0', pass: failures === 0 },
        { name: 'slack ack vs bolt: warnings logged', value: warnings(h.logs), unit: 'lines' },
      ];
    } finally {
      await bolt.stop();
      await closeBenchHarness(h);
    }
  },
};
