import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Incident } from '../../src/core/incident.js';
import type { Proposal } from '../../src/core/proposal.js';
import type { FakeSocketMode } from '../fakes/fake-socket-mode.js';
import { buttonClickPayload, slashCommandFields } from '../fakes/slack-signing.js';
import { CHANNEL, SECRETS, USERS, startHarness } from './harness.js';
import type { Harness } from './harness.js';

const APP_TOKEN = 'xapp-1-A000FAKE-1-secret';
const ACTION_DOCUMENT = 'ChatOps-EC2StopStartInstance';
const INSTANCE = 'i-0abc123def4567890';

const fixture = async (name: string) => JSON.parse(await readFile(`test/fixtures/alertmanager/${name}`, 'utf8')) as unknown;

type IncidentList = { incidents: (Incident & { proposals: Proposal[] })[] };

describe('Socket Mode: Slack reaches the bot over its outbound WebSocket, not signed HTTP requests', () => {
  let h: Harness;
  let socket: FakeSocketMode;
  let proposal: Proposal;
  let closed = false;
  const actionStarts = () => h.ssm.callsTo('StartAutomationExecution').filter((c) => c.input.DocumentName === ACTION_DOCUMENT);

  beforeAll(async () => {
    // No signing secret: Socket Mode needs none. It connects after start-up; wait for Slack's `hello`.
    h = await startHarness({ SLACK_APP_TOKEN: APP_TOKEN, SLACK_SIGNING_SECRET: '' });
    await h.bot.socketMode;
    socket = h.slack.socketMode;
  });
  afterAll(async () => {
    if (!closed) await h?.close();
  });

  it('opens its connection through SLACK_API_URL with the app-level token', () => {
    // The fake answers apps.connections.open only for an xapp- token; its URL carries a one-time ticket.
    expect(h.slack.callsTo('apps.connections.open').map((c) => c.ok)).toEqual([true]);
    expect(socket.accepted()).toBe(1);
    expect(socket.connections()).toBe(1);
  });

  it('turns an alert into a proposal awaiting approval in the incident thread', async () => {
    expect((await h.postAlert('/alerts/alertmanager', await fixture('ec2-firing.json'))).status).toBe(200);
    await h.settle();
    const { incidents } = await h.api<IncidentList>('/api/incidents');
    expect(incidents).toHaveLength(1);
    proposal = incidents[0]!.proposals[0]!;
    expect(proposal).toMatchObject({ status: 'pending_approval', plan: { runbookId: 'ec2-stop-start-instance', target: `ec2:${INSTANCE}` } });
    expect(actionStarts()).toHaveLength(0);
  });

  it('answers 404 on POST /slack/events, even to a correctly signed Approve: there is no HTTP receiver', async () => {
    const res = await h.click('approve_proposal', proposal.id, USERS.operator, { secret: SECRETS.SLACK_SIGNING_SECRET });
    expect(res.status).toBe(404);
    expect(((await res.json()) as { error: string }).error).toContain('Socket Mode');
    await h.settle();
    expect(await h.bot.deps.proposals.get(proposal.id)).toMatchObject({ status: 'pending_approval' });
    expect(actionStarts()).toHaveLength(0);
  });

  it('acks an Approve pushed over the socket and starts exactly one automation with the plan', async () => {
    const rootTs = h.slack.messages(CHANNEL).find((m) => !m.thread_ts)?.ts;
    const proposalMessage = h.slack.messages(CHANNEL).find((m) => m.thread_ts === rootTs && JSON.stringify(m.blocks).includes('approve_proposal'));
    expect(proposalMessage).toBeDefined();
    const click = buttonClickPayload({ actionId: 'approve_proposal', value: proposal.id, userId: USERS.operator, channel: CHANNEL, messageTs: proposalMessage!.ts, threadTs: rootTs! });
    const envelopeId = socket.push('interactive', click, true);

    // The button listener acks with no body; the client always sends a payload object.
    expect(await socket.waitForAck(envelopeId)).toMatchObject({ envelope_id: envelopeId, payload: {} });
    await vi.waitFor(() => expect(actionStarts()).toHaveLength(1), { timeout: 5000 });
    await h.settle();

    expect(socket.acksFor(envelopeId)).toHaveLength(1);
    expect(actionStarts()).toHaveLength(1);
    expect(actionStarts()[0]?.input).toMatchObject({ DocumentName: ACTION_DOCUMENT, Parameters: { InstanceId: [INSTANCE] }, ClientToken: proposal.id });
    expect(h.ssm.executions.find((e) => e.documentName === ACTION_DOCUMENT)?.status).toBe('Success');
  });

  it('shows the approval and the success in the incident thread', async () => {
    const rootTs = h.slack.messages(CHANNEL).find((m) => !m.thread_ts)?.ts;
    const thread = h.slack.messages(CHANNEL).filter((m) => m.thread_ts === rootTs).map((m) => JSON.stringify(m.blocks));
    expect(thread.some((b) => b.includes(`Approved by <@${USERS.operator}>`))).toBe(true);
    expect(thread.some((b) => b.includes('succeeded') && b.includes('ec2-stop-start-instance'))).toBe(true);
    const { proposals } = await h.api<{ proposals: Proposal[] }>('/api/incidents/INC-1');
    expect(proposals[0]).toMatchObject({ status: 'succeeded', executionStatus: 'Success' });
  });

  it('acks /kill-switch status in its envelope at once, then answers through the response_url, privately', async () => {
    const responseUrl = h.slack.responseUrl({ user: USERS.sre, channel: CHANNEL });
    const command = slashCommandFields({ command: '/kill-switch', text: 'status', userId: USERS.sre, channel: CHANNEL, responseUrl });
    const envelopeId = socket.push('slash_commands', command, true);
    await socket.waitForAck(envelopeId);
    expect(socket.acksFor(envelopeId)).toHaveLength(1);
    await h.slack.waitFor(() => h.slack.responses(USERS.sre).length > 0);
    expect(h.slack.responses(USERS.sre).map((c) => c.args)).toEqual([
      expect.objectContaining({ response_url: responseUrl, response_type: 'ephemeral', replace_original: false, text: expect.stringMatching(/^No kill switch is engaged/) }),
    ]);
  });

  it('stayed on its one connection and never wrote the app-level token to the logs or to Slack', () => {
    expect(h.slack.callsTo('apps.connections.open')).toHaveLength(1);
    expect(socket.accepted()).toBe(1);
    const slackText = JSON.stringify(h.slack.calls.map((c) => c.args));
    expect(h.logs.length).toBeGreaterThan(10);
    for (const secret of [APP_TOKEN, SECRETS.SLACK_BOT_TOKEN]) {
      expect(h.logs.join('').includes(secret), 'logs contain a token').toBe(false);
      expect(slackText.includes(secret), 'Slack calls contain a token').toBe(false);
    }
  });

  it('closes its connection itself, with a normal closure, when the bot shuts down', async () => {
    // The harness closes the bot before the fake Slack; a socket the bot left open would be closed
    // by the fake (1001) and the client's answering close frame would not carry 1000.
    closed = true;
    await h.close();
    expect(socket.connections()).toBe(0);
    expect(socket.closeCodes).toEqual([1000]);
  });
});

describe('Socket Mode while Slack cannot be reached', () => {
  it('still answers health checks and takes alerts', async () => {
    // Port 9 on loopback: nothing listens there, so apps.connections.open keeps failing. So does
    // every post of the incident's messages: shutting down, the bot would give them its full grace
    // period (10 s) to go out, which is not what this test is about.
    const h = await startHarness({ SLACK_APP_TOKEN: APP_TOKEN, SLACK_SIGNING_SECRET: '', SLACK_API_URL: 'http://127.0.0.1:9/api/', DRY_RUN: 'true' }, { shutdownGraceMs: 200 });
    try {
      expect((await fetch(`${h.bot.url}/healthz`)).status).toBe(200);
      expect((await h.postAlert('/alerts/alertmanager', await fixture('ecs-firing.json'))).status).toBe(200);
      const { incidents } = await h.api<IncidentList>('/api/incidents');
      expect(incidents.map((i) => i.id)).toEqual(['INC-1']);
    } finally {
      await h.close();
    }
  });
});
