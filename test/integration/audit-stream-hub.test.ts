import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDynamoStores } from '../../src/adapters/stores/index.js';
import { streamEventId } from '../../src/core/audit-event-id.js';
import type { AuditRecord } from '../../src/core/audit.js';
import { replayRecords, replayStart } from '../../src/services/audit-replay.js';
import { createAuditStreamHub } from '../../src/services/audit-stream-hub.js';
import type { AuditStreamHubTuning } from '../../src/services/audit-stream-hub.js';
import type { StreamSubscriber } from '../../src/services/audit-stream-subscriber.js';
import { anEntry } from './stores/builders.js';
import { manualClock, startTestDynamo } from './stores/harness.js';
import type { TestDynamo } from './stores/harness.js';

const T0 = '2026-01-05T10:00:00.000Z';
const idOf = (r: AuditRecord) => streamEventId(r);

describe('the live audit stream of one replica, over a store two replicas write', () => {
  let dynamo: TestDynamo;
  beforeAll(async () => {
    dynamo = await startTestDynamo();
  });
  afterAll(async () => dynamo.close());

  /** Replica A runs the hub; replica B writes with its own clock. Polls run when the test says. */
  async function twoReplicas(tuning: AuditStreamHubTuning = {}) {
    const clockA = manualClock(T0);
    const clockB = manualClock(T0);
    const { prefix } = await dynamo.freshStores();
    const a = createDynamoStores({ doc: dynamo.doc, prefix, clock: clockA });
    const b = createDynamoStores({ doc: dynamo.doc, prefix, clock: clockB });
    let drops = 0;
    const hub = createAuditStreamHub({ store: a.audit, clock: clockA, log: pino({ level: 'silent' }), metrics: { eventStreamDropped: () => (drops += 1) }, tuning: { pollMs: 3_600_000, holdbackMs: 1000, ...tuning } });
    const advance = (ms: number) => {
      clockA.advance(ms);
      clockB.advance(ms);
    };
    return { a, b, hub, clockA, clockB, advance, drops: () => drops };
  }

  const drain = (s: StreamSubscriber) => {
    const out: { id: string; late: boolean; record: AuditRecord }[] = [];
    for (let e = s.next(); e; e = s.next()) {
      out.push({ id: e.id, late: e.late, record: JSON.parse(e.data) as AuditRecord });
      s.sent(e);
    }
    return out;
  };

  it('sends both replicas’ records in time order once they are past the hold-back, each once', async () => {
    const { a, b, hub, advance } = await twoReplicas();
    const { subscriber } = hub.subscribe(undefined, () => undefined);
    const fromB = (await b.audit.append(anEntry('INC-1', 'opened'))).record;
    advance(200);
    const fromA = (await a.audit.append(anEntry('INC-2', 'opened'))).record;
    hub.recorded(fromA);
    advance(300);
    await hub.poll();
    expect(drain(subscriber), 'held back: another replica’s write of this moment may not be readable yet').toEqual([]);
    advance(800); // 1.3 s after the first record, 1.1 s after the second
    await hub.poll();
    expect(drain(subscriber)).toEqual([
      { id: idOf(fromB), late: false, record: fromB },
      { id: idOf(fromA), late: false, record: fromA },
    ]);
    advance(300);
    await hub.poll();
    expect(drain(subscriber), 're-reading the overlap sends nothing twice').toEqual([]);
    hub.close();
  });

  it('sends a record found after later ones (its writer’s clock is behind) once, marked late', async () => {
    const { a, b, hub, advance, clockB } = await twoReplicas();
    const { subscriber } = hub.subscribe(undefined, () => undefined);
    const first = (await a.audit.append(anEntry('INC-1', 'opened'))).record;
    advance(1100);
    await hub.poll();
    expect(drain(subscriber).map((e) => e.id)).toEqual([idOf(first)]);
    clockB.advance(-1500);
    const behind = (await b.audit.append(anEntry('INC-2', 'opened'))).record;
    expect(behind.timestamp < first.timestamp).toBe(true);
    advance(250);
    await hub.poll();
    advance(250);
    await hub.poll();
    expect(drain(subscriber)).toEqual([{ id: idOf(behind), late: true, record: behind }]);
    hub.close();
  });

  it('drops a subscriber still more than its limit behind a poll later, says why, and counts it; others go on', async () => {
    const { a, hub, advance, drops } = await twoReplicas({ maxBufferedEvents: 2 });
    const reasons: string[] = [];
    const slow = hub.subscribe(undefined, (reason) => reasons.push(reason)).subscriber;
    const fast = hub.subscribe(undefined, () => undefined).subscriber;
    for (const step of ['a', 'b']) await a.audit.append(anEntry('INC-1', step));
    advance(1100);
    await hub.poll();
    expect(slow.dropped()).toBeUndefined();
    expect(drain(fast)).toHaveLength(2);
    await a.audit.append(anEntry('INC-1', 'c'));
    advance(1100);
    await hub.poll();
    expect(slow.dropped(), 'two waited: not more than its limit').toBeUndefined();
    expect(drain(fast)).toHaveLength(1);
    await a.audit.append(anEntry('INC-1', 'd'));
    advance(1100);
    await hub.poll();
    expect(slow.dropped()).toMatch(/^this client read more slowly than records arrived: more than 2 events waited for it/);
    expect(reasons).toEqual([slow.dropped()]);
    expect(drops()).toBe(1);
    expect(drain(slow)).toEqual([]);
    expect(fast.dropped()).toBeUndefined();
    expect(drain(fast)).toHaveLength(1);
    hub.unsubscribe(slow);
    expect(hub.subscribers()).toBe(1);
    hub.close();
  });

  it('sends at most so many records a poll, the rest in order on the next polls', async () => {
    const { a, hub, advance } = await twoReplicas({ maxPerPoll: 2 });
    const { subscriber } = hub.subscribe(undefined, () => undefined);
    const written: AuditRecord[] = [];
    for (const step of ['a', 'b', 'c', 'd', 'e']) written.push((await a.audit.append(anEntry('INC-1', step))).record);
    advance(1100);
    const perPoll: string[][] = [];
    for (let i = 0; i < 4; i++) {
      await hub.poll();
      perPoll.push(drain(subscriber).map((e) => e.id));
    }
    expect(perPoll).toEqual([written.slice(0, 2).map(idOf), written.slice(2, 4).map(idOf), [idOf(written[4]!)], []]);
    hub.close();
  });

  it('tells a subscriber where the hub is, so it replays exactly what lies between its last id and there', async () => {
    const { a, b, hub, advance } = await twoReplicas();
    const written: AuditRecord[] = [];
    for (const [i, step] of ['a', 'b', 'c', 'd'].entries()) {
      written.push((await (i % 2 ? b : a).audit.append(anEntry(`INC-${i % 2}`, step))).record);
      advance(100);
    }
    const first = hub.subscribe(undefined, () => undefined).subscriber;
    advance(1100);
    await hub.poll();
    expect(drain(first).map((e) => e.id)).toEqual(written.map(idOf));
    const { upTo } = hub.subscribe(written[1], () => undefined);
    expect(streamEventId(upTo)).toBe(idOf(written[3]!));
    const replayed: AuditRecord[] = [];
    for await (const r of replayRecords(a.audit, written[1]!, upTo)) replayed.push(r);
    expect(replayed).toEqual(written.slice(2));
    hub.close();
  });

  describe('where a reconnect with Last-Event-ID resumes', () => {
    it('just after the id, or after an earlier bot’s id without a time once looked up', async () => {
      const { a } = await twoReplicas();
      const r = (await a.audit.append(anEntry('INC-4', 'opened'))).record;
      const now = Date.parse(T0);
      const position = { incidentId: 'INC-4', seq: 1, timestamp: r.timestamp };
      expect(await replayStart(idOf(r), { audit: a.audit, now, windowMs: 3_600_000 })).toEqual({ ok: true, after: position });
      expect(await replayStart('INC-4:1', { audit: a.audit, now, windowMs: 3_600_000 })).toEqual({ ok: true, after: position });
      expect(await replayStart(undefined, { audit: a.audit, now, windowMs: 3_600_000 })).toEqual({ ok: true });
    });

    it.each([
      ['an id naming no record', 'INC-4:9', { ok: true, gap: { reason: 'Last-Event-ID INC-4:9 names no audit record; nothing was replayed' } }],
      [
        'an id older than the replay window',
        'INC-4:1@2026-01-05T08:00:00.000Z',
        {
          ok: true,
          after: { incidentId: '', seq: 0, timestamp: '2026-01-05T09:00:00.000Z' },
          gap: { reason: 'the stream replays the last 60 min only; read older records with GET /api/audit?since=2026-01-05T08:00:00.000Z', from: '2026-01-05T08:00:00.000Z', to: '2026-01-05T09:00:00.000Z' },
        },
      ],
      ['a malformed id', 'INC-4', { ok: false, error: 'last-event-id: expected an id this stream sent, such as INC-7:3@2026-01-05T10:00:00.000Z' }],
      ['an id from the future', 'INC-4:1@2026-01-05T11:00:00.000Z', { ok: false, error: 'last-event-id: INC-4:1@2026-01-05T11:00:00.000Z is from the future; send the id of the last event received' }],
    ])('says so for %s', async (_what, id, expected) => {
      const { a } = await twoReplicas();
      await a.audit.append(anEntry('INC-4', 'opened'));
      expect(await replayStart(id, { audit: a.audit, now: Date.parse(T0), windowMs: 3_600_000 })).toEqual(expected);
    });
  });
});
