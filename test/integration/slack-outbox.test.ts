import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { createSlackOutbox } from '../../src/adapters/slack/outbox.js';
import type { SlackOutbox } from '../../src/adapters/slack/outbox.js';
import { createSlackWebClient } from '../../src/adapters/slack/web-client.js';
import { createDisabledChat } from '../../src/adapters/slack/disabled-chat.js';
import { startFakeSlackApi } from '../fakes/fake-slack-api.js';
import type { FakeSlackApi } from '../fakes/fake-slack-api.js';

const MIN_INTERVAL_MS = 20;
const log = pino({ level: 'silent' });

const text = (t: string) => ({ text: t, blocks: [{ type: 'section', text: { type: 'mrkdwn', text: t } }] });

describe('Slack outbox against a fake Web API', () => {
  let slack: FakeSlackApi;
  let outbox: SlackOutbox;

  beforeEach(async () => {
    slack = await startFakeSlackApi();
    const client = createSlackWebClient({ token: 'xoxb-test', apiUrl: slack.url, log });
    outbox = createSlackOutbox({ client, log, minIntervalMs: MIN_INTERVAL_MS, backoffBaseMs: 10 });
  });

  afterEach(async () => {
    await outbox.drain();
    await slack.close();
  });

  const acceptedTexts = (method: string, channel: string) =>
    slack.accepted(method).filter((c) => c.args.channel === channel).map((c) => c.args.text);

  it('delivers the messages of one channel in the order they were queued, spaced apart', async () => {
    const sent = ['one', 'two', 'three', 'four', 'five'];
    const results = await Promise.all(sent.map((t) => outbox.postMessage('C1', text(t))));

    expect(acceptedTexts('chat.postMessage', 'C1')).toEqual(sent);
    const tss = results.map((r) => r.ts);
    expect(new Set(tss).size).toBe(sent.length);
    expect([...tss].sort()).toEqual(tss);
    const at = slack.calls.map((c) => c.at);
    for (let i = 1; i < at.length; i++) expect(at[i]! - at[i - 1]!).toBeGreaterThanOrEqual(MIN_INTERVAL_MS - 5);
  });

  it('keeps other channels moving while one waits out a 429, and loses nothing', async () => {
    slack.rateLimit('C-LIMITED', 1, 1);
    const limited = ['l1', 'l2', 'l3'];
    const other = ['o1', 'o2', 'o3'];
    const pending = [
      ...limited.map((t) => outbox.postMessage('C-LIMITED', text(t))),
      ...other.map((t) => outbox.postMessage('C-OTHER', text(t))),
    ];
    expect(outbox.depth()).toBe(6);
    await Promise.all(pending);

    expect(acceptedTexts('chat.postMessage', 'C-LIMITED')).toEqual(limited);
    expect(acceptedTexts('chat.postMessage', 'C-OTHER')).toEqual(other);
    const firstLimitedAccepted = slack.accepted('chat.postMessage').find((c) => c.args.channel === 'C-LIMITED')!;
    const otherAccepted = slack.accepted('chat.postMessage').filter((c) => c.args.channel === 'C-OTHER');
    for (const call of otherAccepted) expect(call.at).toBeLessThan(firstLimitedAccepted.at);
    const rejected = slack.calls.find((c) => c.status === 429)!;
    expect(firstLimitedAccepted.at - rejected.at).toBeGreaterThanOrEqual(950);
    expect(outbox.depth()).toBe(0);
  });

  it('does not count 429s as failed attempts', async () => {
    const client = createSlackWebClient({ token: 'xoxb-test', apiUrl: slack.url, log });
    const strict = createSlackOutbox({ client, log, minIntervalMs: MIN_INTERVAL_MS, maxAttempts: 1 });
    slack.rateLimit('C1', 3, 0);

    await expect(strict.postMessage('C1', text('eventually'))).resolves.toMatchObject({ ts: expect.any(String) });
    expect(slack.callsTo('chat.postMessage').map((c) => c.status)).toEqual([429, 429, 429, 200]);
  });

  it('coalesces rapid updates of one message, and the final content wins', async () => {
    const { ts } = await outbox.postMessage('C1', text('opened'));
    const updates = ['acknowledged', 'running', 'resolved'].map((t) => outbox.updateMessage('C1', ts, text(t)));
    await Promise.all(updates);

    const calls = slack.callsTo('chat.update');
    expect(calls.length).toBeGreaterThanOrEqual(1);
    expect(calls.length).toBeLessThanOrEqual(2);
    expect(calls.at(-1)!.args.text).toBe('resolved');
    expect(slack.messages('C1')).toEqual([expect.objectContaining({ ts, text: 'resolved', blocks: text('resolved').blocks })]);
  });

  it('retries a 500 and delivers the message once', async () => {
    slack.failNext('chat.postMessage', 'internal_error', 500);

    const { ts } = await outbox.postMessage('C1', text('after a hiccup'));

    expect(slack.callsTo('chat.postMessage').map((c) => c.status)).toEqual([500, 200]);
    expect(slack.messages('C1')).toEqual([expect.objectContaining({ ts, text: 'after a hiccup' })]);
  });

  it('gives up after maxAttempts transient failures and tells the caller', async () => {
    for (let i = 0; i < 5; i++) slack.failNext('chat.postMessage', 'internal_error', 503);

    await expect(outbox.postMessage('C1', text('never'))).rejects.toThrow(/chat.postMessage to channel C1 failed: retries_exhausted/);
    expect(slack.callsTo('chat.postMessage')).toHaveLength(5);
  });

  it('rejects the caller on channel_not_found without retrying, and the channel keeps working', async () => {
    slack.failNext('chat.postMessage', 'channel_not_found');

    await expect(outbox.postMessage('C-GONE', text('lost?'))).rejects.toThrow(/channel_not_found/);
    expect(slack.callsTo('chat.postMessage')).toHaveLength(1);
    await expect(outbox.postMessage('C-GONE', text('next'))).resolves.toMatchObject({ ts: expect.any(String) });
  });

  it('sends blocks that arrive at Slack as an array of blocks', async () => {
    const message = text('*INC-1* ECS service below desired count');
    await outbox.postMessage('C1', message, '1700000000.000100');

    const [call] = slack.callsTo('chat.postMessage');
    expect(call!.args.blocks).toEqual(message.blocks);
    expect(call!.args.thread_ts).toBe('1700000000.000100');
  });

  it('drains every queue before resolving, for a clean shutdown', async () => {
    const pending = ['a', 'b'].flatMap((t) => [outbox.postMessage('C1', text(t)), outbox.postMessage('C2', text(t))]);
    expect(outbox.depth()).toBe(4);

    await outbox.drain();

    expect(outbox.depth()).toBe(0);
    expect(slack.accepted('chat.postMessage')).toHaveLength(4);
    await Promise.all(pending);
  });

  it('posts ephemeral messages to one user in a thread', async () => {
    await outbox.postEphemeral('C1', 'U123', 'You may not approve this.', '1700000000.000100');

    expect(slack.accepted('chat.postEphemeral').map((c) => c.args)).toEqual([
      { channel: 'C1', user: 'U123', text: 'You may not approve this.', thread_ts: '1700000000.000100' },
    ]);
  });
});

describe('disabled chat', () => {
  it('answers with an empty ts and sends nothing', async () => {
    const chat = createDisabledChat();
    expect(chat.enabled).toBe(false);
    await expect(chat.postMessage('C1', text('hi'))).resolves.toEqual({ ts: '' });
  });
});

describe('Slack outbox pacing and shutdown', () => {
  let slack: FakeSlackApi;
  beforeEach(async () => {
    slack = await startFakeSlackApi();
  });
  afterEach(async () => slack.close());

  it('spaces posts in a channel but does not hold an ephemeral reply to that spacing', async () => {
    const outbox = createSlackOutbox({ client: createSlackWebClient({ token: 'xoxb-test', apiUrl: slack.url, log }), log, minIntervalMs: 300 });
    const started = Date.now();
    const posts = [outbox.postMessage('C1', text('a')), outbox.postMessage('C1', text('b'))];
    const reply = outbox.postEphemeral('C1', 'U1', 'you clicked');
    await reply;
    // The reply waited for the post ahead of it (FIFO), not for the 300 ms spacing of posts.
    expect(Date.now() - started).toBeLessThan(250);
    await Promise.all(posts);
    const [a, b] = slack.callsTo('chat.postMessage').map((c) => c.at);
    expect(b! - a!).toBeGreaterThanOrEqual(290);
  });

  it('on stop, fails what Slack has not taken yet and says how many', async () => {
    const outbox = createSlackOutbox({ client: createSlackWebClient({ token: 'xoxb-test', apiUrl: slack.url, log }), log, minIntervalMs: 10_000 });
    const first = outbox.postMessage('C1', text('sent'));
    const queued = [outbox.postMessage('C1', text('late 1')), outbox.postMessage('C1', text('late 2'))];
    await first;
    expect(outbox.stop()).toBe(2);
    for (const p of queued) await expect(p).rejects.toThrow(/shutting_down/);
    expect(slack.callsTo('chat.postMessage')).toHaveLength(1);
  });
});
