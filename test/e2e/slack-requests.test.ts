import { readFile } from 'node:fs/promises';
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditRecord } from '../../src/core/audit.js';
import { buttonClickPayload, formEncode, signSlackRequest, slashCommandFields } from '../fakes/slack-signing.js';
import { startStallingProxy } from '../fakes/stalling-proxy.js';
import { CHANNEL, SECRETS, USERS, startHarness } from './harness.js';
import type { Harness } from './harness.js';
import { startSharedStore } from './shared-store.js';

const fixture = async (name: string) => JSON.parse(await readFile(`test/fixtures/alertmanager/${name}`, 'utf8')) as Record<string, unknown>;
const now = () => Math.floor(Date.now() / 1000);

function signedPost(h: Harness, body: string, contentType: string, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${h.bot.url}/slack/events`, { method: 'POST', headers: { 'content-type': contentType, ...signSlackRequest(SECRETS.SLACK_SIGNING_SECRET, body, now()), ...headers }, body });
}

/**
 * Sends `totalBytes` of body in 64 KiB chunks without a Content-Length (chunked), unsigned, and
 * stops as soon as an answer arrives: returns the status and how much had been sent by then.
 */
function streamBigBody(url: string, totalBytes: number): Promise<{ status: number; sentBeforeAnswer: number }> {
  return new Promise((resolve, reject) => {
    const chunk = Buffer.alloc(64 * 1024, 'a');
    let sent = 0;
    let answered = false;
    const req = request(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', 'transfer-encoding': 'chunked' } }, (res) => {
      answered = true;
      resolve({ status: res.statusCode ?? 0, sentBeforeAnswer: sent });
      res.resume();
      req.destroy();
    });
    req.on('error', (err) => (answered ? undefined : reject(err)));
    const pump = () => {
      while (!answered && sent < totalBytes) {
        sent += chunk.length;
        if (!req.write(chunk)) return void req.once('drain', pump);
      }
      if (!answered) req.end();
    };
    pump();
  });
}

describe('Slack requests over HTTP', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => h.close());

  it("answers Slack's unsigned ssl_check with 200 before any signature check, and does nothing", async () => {
    const res = await fetch(`${h.bot.url}/slack/events`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'ssl_check=1&token=legacy-verification-token' });
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('');
    // A command smuggled next to ssl_check is not run either.
    const smuggled = formEncode({ ...slashCommandFields({ command: '/kill-switch', text: 'on global', userId: USERS.sre, channel: CHANNEL }), ssl_check: '1' });
    expect((await fetch(`${h.bot.url}/slack/events`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: smuggled })).status).toBe(200);
    await h.settle();
    expect(await h.bot.deps.killSwitches.listEngaged()).toEqual([]);
    expect(h.slack.calls).toEqual([]);
  });

  it('refuses an unsigned body over 1 MiB with 413 while the sender is still sending, before reading it whole', async () => {
    const total = 64 * 1024 * 1024;
    const { status, sentBeforeAnswer } = await streamBigBody(`${h.bot.url}/slack/events`, total);
    expect(status).toBe(413);
    // The bot stopped reading at the limit: the answer came long before the sender was done.
    expect(sentBeforeAnswer).toBeLessThan(total / 4);
  });

  it('refuses a declared Content-Length over 1 MiB with 413 before a byte of the body is sent', async () => {
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(`${h.bot.url}/slack/events`, { method: 'POST', headers: { 'content-type': 'application/json', 'content-length': String(200 * 1024 * 1024) } }, (res) => {
        resolve(res.statusCode ?? 0);
        res.resume();
        req.destroy();
      });
      req.on('error', reject);
      req.flushHeaders();
    });
    expect(status).toBe(413);
  });

  it.each([
    ['without a user', (p: Record<string, unknown>) => delete p.user, /user\.id is missing/],
    ['with an empty actions list', (p: Record<string, unknown>) => (p.actions = []), /actions is empty/],
  ])('answers a signed block_actions %s with 400 naming the field, not 500', async (_what, edit, message) => {
    const payload = buttonClickPayload({ actionId: 'approve_proposal', value: 'x', userId: USERS.sre, channel: CHANNEL });
    edit(payload);
    const res = await signedPost(h, formEncode({ payload: JSON.stringify(payload) }), 'application/x-www-form-urlencoded');
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: string }).error).toMatch(message);
  });

  it('refuses a replayed signed /kill-switch off, so a captured release cannot release the switch again', async () => {
    expect((await h.command('/kill-switch', 'on global first', USERS.sre)).text).toContain('is engaged');
    const body = formEncode(slashCommandFields({ command: '/kill-switch', text: 'off global', userId: USERS.sre, channel: CHANNEL, responseUrl: h.slack.responseUrl({ user: USERS.sre, channel: CHANNEL }) }));
    const headers = { 'content-type': 'application/x-www-form-urlencoded', ...signSlackRequest(SECRETS.SLACK_SIGNING_SECRET, body, now()) };
    const send = () => fetch(`${h.bot.url}/slack/events`, { method: 'POST', headers, body });
    expect((await send()).status).toBe(200);
    await h.settle();
    expect(await h.bot.deps.killSwitches.listEngaged()).toEqual([]);
    expect((await h.command('/kill-switch', 'on global again', USERS.sre)).text).toContain('is engaged');
    const replay = await send();
    expect(replay.status).toBe(401);
    await h.settle();
    expect(await h.bot.deps.killSwitches.listEngaged()).toMatchObject([{ scope: 'global', reason: 'again' }]);
    expect((await h.command('/kill-switch', 'off global done', USERS.sre)).text).toContain('is released');
  });

  it('answers commands and clicks through response_url, never chat.postEphemeral (which a DM or a channel without the bot never gets)', async () => {
    expect((await h.command('/incident', 'list', USERS.operator)).response_type).toBe('ephemeral');
    await h.click('ack_incident', 'INC-404', USERS.operator);
    await h.settle();
    expect(h.slack.responses(USERS.operator).map((c) => c.args)).toEqual([
      expect.objectContaining({ response_type: 'ephemeral', replace_original: false, text: 'No open incidents.' }),
      expect.objectContaining({ response_type: 'ephemeral', replace_original: false, text: expect.stringContaining('INC-404') }),
    ]);
    expect(h.slack.callsTo('chat.postEphemeral')).toEqual([]);
  });
});

describe('Slack text from people and alerts is escaped, and messages stay within Block Kit limits', () => {
  let h: Harness;
  const HOSTILE = '<!channel> <https://evil.example|your bank> &';
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => h.close());

  it('announces a kill switch without letting its reason ping the channel or disguise a link', async () => {
    await h.command('/kill-switch', `on service:checkout-api ${HOSTILE}`, USERS.sre);
    await h.settle();
    const announcement = h.slack.accepted('chat.postMessage').find((c) => String(c.args.text).includes('Kill switch'));
    const all = JSON.stringify(announcement?.args);
    expect(all).not.toContain('<!channel>');
    expect(all).not.toContain('<https://evil.example');
    expect(all).toContain('&lt;!channel&gt; &lt;https://evil.example|your bank&gt; &amp;');
    const status = await h.command('/kill-switch', 'status', USERS.stranger);
    expect(status.text).not.toContain('<!channel>');
    expect(status.text).toContain('&lt;!channel&gt;');
    await h.command('/kill-switch', 'off service:checkout-api', USERS.sre);
  });

  it('escapes alert text in /incident list and /incident show', async () => {
    const alert = await fixture('ecs-firing.json');
    const first = (alert.alerts as Record<string, Record<string, unknown>>[])[0]!;
    first.annotations = { summary: `Tasks below desired ${HOSTILE}` };
    expect((await h.postAlert('/alerts/alertmanager', alert)).status).toBe(200);
    await h.settle();
    for (const reply of [await h.command('/incident', 'list', USERS.sre), await h.command('/incident', 'show INC-1', USERS.sre)]) {
      expect(reply.text).toContain('Tasks below desired &lt;!channel&gt;');
      expect(reply.text).not.toContain('<!channel>');
      expect(reply.text).not.toContain('<https://evil.example');
    }
  });

  it('keeps a /remediate with a 2,300-character label behind a short key: the Confirm value stays under 2,000 and runs the previewed plan', async () => {
    const note = 'n'.repeat(2300);
    const preview = await h.command('/remediate', `ecs-force-new-deployment cluster=prod-cluster service=checkout-api note=${note}`, USERS.sre);
    const confirm = preview.blocks?.flatMap((b) => (b.type === 'actions' ? b.elements : [])).find((e) => e.action_id === 'remediate_confirm');
    expect(String(confirm.value).length).toBeLessThan(100);
    expect(JSON.stringify(preview.blocks)).not.toContain(note);
    expect((await h.click('remediate_confirm', String(confirm.value), USERS.sre)).status).toBe(200);
    await h.settle();
    const { records } = await h.api<{ records: AuditRecord[] }>('/api/audit?kind=proposal.created&n=10');
    expect(records.some((r) => r.runbook === 'ecs-force-new-deployment' && r.operator === USERS.sre)).toBe(true);
    expect(h.slack.responses(USERS.sre).at(-1)?.args.text).not.toMatch(/expired|could not be read/);
  });

  it('refuses a Confirm whose key is unknown (made up, or its draft expired), and runs nothing', async () => {
    const before = h.ssm.callsTo('StartAutomationExecution').length;
    expect((await h.click('remediate_confirm', 'not-a-stored-key', USERS.sre)).status).toBe(200);
    await h.settle();
    expect(h.slack.responses(USERS.sre).at(-1)?.args.text).toMatch(/^This preview has expired or could not be read; nothing was run/);
    expect(h.ssm.callsTo('StartAutomationExecution')).toHaveLength(before);
  });
});

describe('@chatops mentions (app_mention)', () => {
  let h: Harness;
  let rootTs = '';
  const mention = (text: string, threadTs?: string) =>
    signedPost(
      h,
      JSON.stringify({
        type: 'event_callback',
        team_id: 'T000FAKE',
        api_app_id: 'A000FAKE',
        event_id: `Ev${Math.random().toString(36).slice(2)}`,
        event_time: now(),
        event: { type: 'app_mention', user: USERS.sre, text, ts: `${now()}.000200`, channel: CHANNEL, event_ts: `${now()}.000200`, ...(threadTs ? { thread_ts: threadTs } : {}) },
      }),
      'application/json',
    );

  beforeAll(async () => {
    h = await startHarness();
    expect((await h.postAlert('/alerts/alertmanager', await fixture('ec2-firing.json'))).status).toBe(200);
    await h.settle();
    rootTs = h.slack.messages(CHANNEL).find((m) => !m.thread_ts)?.ts ?? '';
    expect(rootTs).not.toBe('');
  });
  afterAll(async () => h.close());

  it("answers `@chatops status` in an incident's thread, in that thread, with the incident's state", async () => {
    expect((await mention('<@U000BOT> status', rootTs)).status).toBe(200);
    await h.settle();
    const reply = h.slack.accepted('chat.postMessage').at(-1);
    expect(reply?.args).toMatchObject({ channel: CHANNEL, thread_ts: rootTs });
    expect(String(reply?.args.text)).toMatch(/^\*INC-1\* \[open\]/);
    expect(String(reply?.args.text)).toContain('ec2-stop-start-instance');
  });

  it('answers a mention outside an incident thread with a short help', async () => {
    expect((await mention('<@U000BOT> hello')).status).toBe(200);
    await h.settle();
    expect(String(h.slack.accepted('chat.postMessage').at(-1)?.args.text)).toContain('`@chatops status`');
  });
});

describe('a replay sent to another replica', () => {
  it('is acked there (the ack never waits for the store) but does nothing: the shared store knew the signature', async () => {
    const store = await startSharedStore();
    const a = await startHarness(store.env);
    const b = await startHarness(store.env);
    try {
      expect((await a.command('/kill-switch', 'on global first', USERS.sre)).text).toContain('is engaged');
      const body = formEncode(slashCommandFields({ command: '/kill-switch', text: 'off global', userId: USERS.sre, channel: CHANNEL, responseUrl: a.slack.responseUrl({ user: USERS.sre, channel: CHANNEL }) }));
      const headers = { 'content-type': 'application/x-www-form-urlencoded', ...signSlackRequest(SECRETS.SLACK_SIGNING_SECRET, body, now()) };
      expect((await fetch(`${a.bot.url}/slack/events`, { method: 'POST', headers, body })).status).toBe(200);
      await a.settle();
      expect((await b.command('/kill-switch', 'on global again', USERS.sre)).text).toContain('is engaged');
      expect((await fetch(`${b.bot.url}/slack/events`, { method: 'POST', headers, body })).status).toBe(200);
      await b.settle();
      expect(await b.bot.deps.killSwitches.listEngaged()).toMatchObject([{ scope: 'global', reason: 'again' }]);
      expect((await b.api<{ records: AuditRecord[] }>('/api/audit?kind=killswitch.released')).records).toHaveLength(1);
      expect(b.logs.join('')).toContain('another replica had already taken (replay)');
    } finally {
      await a.close();
      await b.close();
      await store.close();
    }
  }, 30_000);
});

describe('a store that hangs', () => {
  it('does not hold the ack of a /kill-switch on, and the result reaches the operator once the store answers', async () => {
    const store = await startSharedStore();
    const proxy = await startStallingProxy(store.env.AWS_ENDPOINT_URL_DYNAMODB);
    const h = await startHarness({ STORE: 'dynamodb', AWS_ENDPOINT_URL_DYNAMODB: proxy.url });
    try {
      proxy.stall();
      const responseUrl = h.slack.responseUrl({ user: USERS.sre, channel: CHANNEL });
      const body = formEncode(slashCommandFields({ command: '/kill-switch', text: 'on global the store is slow', userId: USERS.sre, channel: CHANNEL, responseUrl }));
      const ack = await fetch(`${h.bot.url}/slack/events`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', ...signSlackRequest(SECRETS.SLACK_SIGNING_SECRET, body, now()) }, body });
      expect(ack.status).toBe(200);
      expect(h.slack.responses(USERS.sre)).toEqual([]);
      proxy.resume();
      await h.slack.waitFor(() => h.slack.responses(USERS.sre).length > 0, 15_000);
      expect(h.slack.responses(USERS.sre)[0]?.args.text).toContain('Kill switch `global` is engaged');
    } finally {
      proxy.resume();
      await h.close();
      await proxy.close();
      await store.close();
    }
  }, 30_000);
});
