import { Writable } from 'node:stream';
import { pino } from 'pino';
import type { App, ReceiverEvent } from '@slack/bolt';
import { describe, expect, it } from 'vitest';
import { SlackHttpReceiver } from '../../src/adapters/slack/http-receiver.js';
import { formEncode, signSlackRequest, slashCommandFields } from '../fakes/slack-signing.js';

const SECRET = 'unit-signing-secret';
const NOW = 1_700_000_000;

/** A receiver in front of a stand-in for Bolt whose listener does `listen` with the event. */
function receiverWith(listen: (event: ReceiverEvent) => Promise<void>, seen = new Set<string>()) {
  const posted: { url: string; body: unknown }[] = [];
  const receiver = new SlackHttpReceiver({
    signingSecret: SECRET,
    log: pino({ level: 'silent' }, new Writable({ write: (_c, _e, done) => done() })),
    now: () => NOW * 1000,
    replays: { firstSeen: async (signature) => !seen.has(signature) && Boolean(seen.add(signature)) },
    ackDeadlineMs: 20,
    fetch: (async (url: string, init: RequestInit) => {
      posted.push({ url, body: JSON.parse(String(init.body)) });
      return new Response('ok');
    }) as typeof fetch,
  });
  receiver.init({ processEvent: listen } as unknown as App);
  const rawBody = formEncode(slashCommandFields({ command: '/incident', text: 'list', userId: 'U1', channel: 'C1', responseUrl: 'http://127.0.0.1:9/respond/1' }));
  const headers: Record<string, string> = { ...signSlackRequest(SECRET, rawBody, NOW) };
  const handle = () => receiver.handle({ rawBody, contentType: 'application/x-www-form-urlencoded', header: (n) => headers[n] });
  return { handle, posted };
}

describe('the Slack HTTP receiver', () => {
  it('answers with the ack body as soon as the listener acks', async () => {
    const { handle } = receiverWith(async (event) => event.ack({ text: 'hello' }));
    expect(await handle()).toEqual({ status: 200, body: JSON.stringify({ text: 'hello' }), contentType: 'application/json' });
  });

  it('never drops an ack body that comes after the deadline: it goes to the response_url instead', async () => {
    let late: Promise<void> = Promise.resolve();
    const { handle, posted } = receiverWith(async (event) => {
      late = new Promise((r) => setTimeout(r, 60)).then(() => event.ack({ response_type: 'ephemeral', text: 'done late' }));
      await late;
    });
    expect(await handle()).toEqual({ status: 200, body: '' });
    await late;
    expect(posted).toEqual([{ url: 'http://127.0.0.1:9/respond/1', body: { response_type: 'ephemeral', text: 'done late' } }]);
  });

  it('acks a request another replica already took (the shared store saw its signature), and stops its listener before any work', async () => {
    const seen = new Set<string>();
    let work = 0;
    const listener = async (event: ReceiverEvent) => {
      await event.ack();
      work += 1;
    };
    const first = receiverWith(listener, seen);
    const second = receiverWith(listener, seen);
    expect((await first.handle()).status).toBe(200);
    expect((await second.handle()).status).toBe(200);
    await new Promise((r) => setTimeout(r, 10));
    expect(work).toBe(1);
  });

  it('refuses the same signed request a second time with 401, and does not hand it to the listener', async () => {
    let calls = 0;
    const { handle } = receiverWith(async (event) => {
      calls += 1;
      await event.ack();
    });
    expect((await handle()).status).toBe(200);
    const again = await handle();
    expect(again.status).toBe(401);
    expect(again.body).toMatch(/replayed request/);
    expect(calls).toBe(1);
  });
});
