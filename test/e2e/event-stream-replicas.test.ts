import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startBot } from '../../src/main.js';
import type { RunningBot, StartOptions } from '../../src/main.js';
import { createDynamoStores } from '../../src/adapters/stores/index.js';
import type { Stores } from '../../src/adapters/stores/index.js';
import { compareStreamPositions, streamEventId } from '../../src/core/audit-event-id.js';
import type { AuditRecord } from '../../src/core/audit.js';
import { startFakeSlackApi } from '../fakes/fake-slack-api.js';
import type { FakeSlackApi } from '../fakes/fake-slack-api.js';
import { startFakeSsm } from '../fakes/fake-ssm.js';
import type { FakeSsm } from '../fakes/fake-ssm.js';
import { openSse } from '../fakes/sse-client.js';
import type { SseClient } from '../fakes/sse-client.js';
import { ec2Alert, ecsAlert } from './delivery-helpers.js';
import { SECRETS, TEST_DELIVERY, localBotEnv } from './harness.js';
import { startSharedStore } from './shared-store.js';
import type { SharedStore } from './shared-store.js';

const operator = { authorization: `Bearer ${SECRETS.OPERATOR_TOKEN}` };
const idOf = (r: AuditRecord) => streamEventId(r);
const isAudit = (e: { event: string }) => e.event === 'audit';

describe('one live stream for all replicas: /api/events on two bots sharing one store', () => {
  let store: SharedStore;
  let slack: FakeSlackApi;
  let ssm: FakeSsm;
  let dataDir: string;
  let stores: Stores;
  let a: RunningBot;
  let b: RunningBot;
  const bots: RunningBot[] = [];
  const clients: SseClient[] = [];

  beforeAll(async () => {
    store = await startSharedStore();
    slack = await startFakeSlackApi();
    ssm = await startFakeSsm();
    dataDir = await mkdtemp(path.join(tmpdir(), 'chatops-stream-'));
    stores = createDynamoStores({ doc: store.doc, prefix: 'chatops-' });
    // Bot A judges a reader slow sooner than the default (8 MiB), so the test needs fewer records.
    a = await replica({}, { maxBufferedBytes: 1_000_000 });
    b = await replica();
  });

  afterAll(async () => {
    for (const c of clients) c.close();
    for (const bot of bots) await bot.close();
    await slack?.close();
    await ssm?.close();
    await store?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  async function replica(env: Record<string, string> = {}, eventStream: StartOptions['eventStream'] = {}): Promise<RunningBot> {
    const bot = await startBot({
      env: { ...localBotEnv(dataDir, slack.url, ssm.endpoint), ...store.env, DRY_RUN: 'true', LOG_LEVEL: 'silent', ...SECRETS, API_RATE_LIMIT_PER_MINUTE: '100000', ...env },
      awsCredentials: { accessKeyId: 'test', secretAccessKey: 'test' },
      pollIntervalMs: { initial: 1, max: 5 },
      slackMinIntervalMs: 0,
      scheduler: false,
      delivery: TEST_DELIVERY,
      shutdownGraceMs: 500,
      eventStream,
      // The slow-reader test pushes megabytes of 150 KB records through the store, and a replay
      // reads them back in 1 MB pages: on a loaded 2-core machine one such page took longer than
      // the bot's 4 s budget for a store call, and the stream closed ('the store did not answer').
      timeouts: { storeMs: 30_000 },
    });
    bots.push(bot);
    return bot;
  }

  async function subscribe(bot: RunningBot, headers: Record<string, string> = {}): Promise<SseClient> {
    const client = await openSse(`${bot.url}/api/events`, { ...operator, ...headers });
    clients.push(client);
    return client;
  }

  const post = (bot: RunningBot, payload: unknown) =>
    fetch(`${bot.url}/alerts/alertmanager`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${SECRETS.ALERT_WEBHOOK_TOKEN}` }, body: JSON.stringify(payload) });

  /** The store's records of the given incidents (every one, when none is given), in stream order. */
  async function stored(incidents?: string[]): Promise<AuditRecord[]> {
    const records = await stores.audit.query({ n: 1000 });
    return records.filter((r) => !incidents || incidents.includes(r.incidentId)).sort(compareStreamPositions);
  }

  /**
   * Writes large records to the shared store (as a third replica would) until `bot` has dropped a
   * subscriber: enough to fill the socket's buffers, and then the subscriber's own.
   */
  async function writeUntilDropped(bot: RunningBot, incidentId: string): Promise<AuditRecord[]> {
    const blob = 'x'.repeat(150_000);
    const written: AuditRecord[] = [];
    const dropped = async () => Number(/^chatops_event_stream_dropped_total (\d+)/m.exec(await (await fetch(`${bot.url}/metrics`)).text())?.[1] ?? 0);
    const before = await dropped();
    while ((await dropped()) === before) {
      expect(written.length, 'the subscriber was never dropped').toBeLessThan(300);
      for (let i = 0; i < 5; i++) written.push((await stores.audit.append({ incidentId, kind: 'test.bulk', stepKey: `bulk-${written.length}`, trigger: 'test', outcome: 'SUCCESS', operator: 'automated', details: { blob } })).record);
      await new Promise((r) => setTimeout(r, 100));
    }
    return written;
  }

  const auditsOf = (client: SseClient, incidents?: string[]) => client.audits<AuditRecord>().filter((e) => !incidents || incidents.includes(e.record.incidentId));

  it('shows a subscriber of one bot every record the other bot writes, with the same ids on both', async () => {
    const [onA, onB] = [await subscribe(a), await subscribe(b)];
    await onA.waitFor((e) => e.event === 'ready');
    await onB.waitFor((e) => e.event === 'ready');
    expect((await post(b, ecsAlert('cart'))).status).toBe(200);
    await b.settle();
    // Written by bot B as it took the alert; seen on bot A.
    const opened = (await stored(['INC-1'])).find((r) => r.kind === 'incident.opened')!;
    await onA.waitFor((e) => e.id === idOf(opened));
    await vi.waitFor(async () => expect(auditsOf(onA, ['INC-1']).map((e) => e.record)).toEqual(await stored(['INC-1'])), { timeout: 10_000, interval: 100 });
    await vi.waitFor(async () => expect(auditsOf(onB, ['INC-1']).map((e) => e.record)).toEqual(await stored(['INC-1'])), { timeout: 10_000, interval: 100 });
    expect(auditsOf(onA).map((e) => e.id)).toEqual(auditsOf(onB).map((e) => e.id));
    for (const { id, record } of auditsOf(onA)) expect(id).toBe(`${record.incidentId}:${record.seq}@${record.timestamp}`);
  });

  it('replays, on the other bot, exactly the records after Last-Event-ID, then goes on live without repeating one', async () => {
    expect((await post(a, ec2Alert('i-0aaaaaaaaaaaaaaa1'))).status).toBe(200);
    await a.settle();
    const [seenOnA, seenOnB] = [clients[0]!, clients[1]!];
    // Bot B's stream has gone past them too (on a busy machine it can lag bot A's by seconds):
    // they are in its past, so a subscriber resuming there gets them replayed, not live.
    for (const seen of [seenOnA, seenOnB]) await vi.waitFor(async () => expect(auditsOf(seen, ['INC-1', 'INC-2']).map((e) => e.record)).toEqual(await stored(['INC-1', 'INC-2'])), { timeout: 10_000, interval: 100 });
    const shown = auditsOf(seenOnA).map((e) => e.record);
    const last = shown[Math.floor(shown.length / 2)]!;
    const afterLast = async () => (await stored()).filter((r) => compareStreamPositions(r, last) > 0).map(idOf);

    const resumed = await subscribe(b, { 'last-event-id': idOf(last) });
    const ready = await resumed.waitFor((e) => e.event === 'ready');
    const replayed = resumed.events.slice(0, resumed.events.indexOf(ready)).filter(isAudit).map((e) => e.id);
    // From the record right after it, every one in order, up to where the replay handed over to live.
    expect(replayed.length).toBeGreaterThan(1);
    expect(replayed).toEqual((await afterLast()).slice(0, replayed.length));
    expect(JSON.parse(ready.data)).toEqual({ replayed: replayed.length });

    expect((await post(a, ecsAlert('search'))).status).toBe(200);
    await a.settle();
    // Then live: the whole stream after Last-Event-ID is the store's records after it, none twice.
    await vi.waitFor(async () => expect(auditsOf(resumed).map((e) => e.id)).toEqual(await afterLast()), { timeout: 10_000, interval: 100 });
    expect(auditsOf(resumed).filter((e) => e.record.kind === 'incident.opened').length).toBeGreaterThan(0);
  });

  it('refuses a Last-Event-ID it never sent, naming the header', async () => {
    const res = await fetch(`${a.url}/api/events`, { headers: { ...operator, 'last-event-id': 'yesterday' } });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ error: 'last-event-id: expected an id this stream sent, such as INC-7:3@2026-01-05T10:00:00.000Z', field: 'last-event-id' });
  });

  it('drops a subscriber that stops reading with a final event saying why; it resumes from its last id on the other bot', { timeout: 90_000 }, async () => {
    for (const c of clients.splice(0)) c.close();
    const slow = await subscribe(a);
    await slow.waitFor((e) => e.event === 'ready');
    slow.pause();
    // Another writer of the shared store (as a third replica would be), with records large enough
    // to fill the socket's buffers, and then the subscriber's own.
    const written = await writeUntilDropped(a, 'INC-90');
    slow.resume();
    await slow.ended;
    const final = slow.events.at(-1)!;
    expect(final.event).toBe('dropped');
    expect(JSON.parse(final.data)).toEqual({ reason: expect.stringMatching(/^this client read more slowly than records arrived: more than 1000000 bytes waited for it; reconnect with Last-Event-ID to resume$/) as unknown });
    const got = auditsOf(slow, ['INC-90']).map((e) => e.record.seq);
    expect(got, 'what it got is in order, without a gap').toEqual(got.map((_, i) => i + 1));
    expect(got.length).toBeLessThan(written.length);

    const again = await subscribe(b, { 'last-event-id': slow.events.filter(isAudit).at(-1)!.id! });
    await again.waitFor((e) => e.event === 'ready', 60_000);
    await vi.waitFor(() => expect(auditsOf(again, ['INC-90']).map((e) => e.record.seq)).toEqual(written.slice(got.length).map((r) => r.seq)), { timeout: 10_000, interval: 100 });
    again.close();
  });

  it('lets a client hold a few streams, and the API rate limit counts a stream once however long it is open', async () => {
    const c = await replica({ API_RATE_LIMIT_PER_MINUTE: '3' }, { maxStreamsPerClient: 1 });
    const stream = await subscribe(c);
    await stream.waitFor((e) => e.event === 'ready');
    const second = await subscribe(c);
    expect(second.status).toBe(429);
    expect(JSON.parse(second.body)).toEqual({ error: 'too many streams: at most 1 open /api/events streams per client on each replica; close one (another tab?) first' });
    expect((await fetch(`${c.url}/api/audit?n=1`, { headers: operator })).status).toBe(200);
    expect((await fetch(`${c.url}/api/audit?n=1`, { headers: operator })).status).toBe(429);
    // The open stream is neither cut nor charged for what it carries.
    expect((await post(b, ecsAlert('checkout'))).status).toBe(200);
    await b.settle();
    const opened = (await stored()).filter((r) => r.kind === 'incident.opened').at(-1)!;
    await stream.waitFor((e) => e.id === idOf(opened));
    stream.close();
  });

  it('cuts the connection of a dropped subscriber that never reads again', { timeout: 90_000 }, async () => {
    const d = await replica({}, { dropGraceMs: 300, maxStreamsPerClient: 1, maxBufferedBytes: 1_000_000 });
    const slow = await subscribe(d);
    await slow.waitFor((e) => e.event === 'ready');
    slow.pause();
    await writeUntilDropped(d, 'INC-91');
    // The bot lets go of it (a paused client cannot see its socket close until it reads again).
    await vi.waitFor(async () => expect(await (await fetch(`${d.url}/metrics`)).text()).toMatch(/^chatops_event_stream_subscribers 0$/m), { timeout: 10_000, interval: 100 });
    expect((await subscribe(d)).status, 'its place is free: the one stream this client may hold').toBe(200);
    slow.resume();
    await slow.ended;
    expect(slow.events.map((e) => e.event)).not.toContain('dropped');
  });
});
