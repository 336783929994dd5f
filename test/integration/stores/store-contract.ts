import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GENESIS_HASH, verifyChain } from '../../../src/core/audit.js';
import type { Stores } from '../../../src/adapters/stores/index.js';
import type { Clock } from '../../../src/services/ports.js';
import { ConflictError } from '../../../src/services/ports.js';
import { aProposal, anEntry, anIncident } from './builders.js';
import { manualClock } from './harness.js';

/** What an implementation under contract provides: fresh, isolated stores per test. */
export interface StoreBackend {
  freshStores(options?: { clock?: Clock }): Promise<Stores>;
  close(): Promise<void>;
}

/**
 * The behaviour every implementation of the store ports must have. Run it against each one
 * (dynalite here; a fake in test/fakes could run it too) so they cannot drift apart.
 */
export function describeStoreContract(name: string, start: () => Promise<StoreBackend>): void {
  describe(`store contract: ${name}`, () => {
    let backend: StoreBackend;
    beforeAll(async () => {
      backend = await start();
    });
    afterAll(async () => {
      await backend.close();
    });

    describe('incidents', () => {
      it('hands out increasing incident ids', async () => {
        const { incidents } = await backend.freshStores();
        const ids = [await incidents.nextId(), await incidents.nextId(), await incidents.nextId()];
        expect(ids).toEqual(['INC-1', 'INC-2', 'INC-3']);
      });

      it('never hands out the same id twice under concurrency', async () => {
        const { incidents } = await backend.freshStores();
        const ids = await Promise.all(Array.from({ length: 20 }, () => incidents.nextId()));
        expect(new Set(ids).size).toBe(20);
      });

      it('takes back an unused id when no one took a number since, so the next incident gets it', async () => {
        const { incidents } = await backend.freshStores();
        const unused = await incidents.nextId();
        await incidents.releaseId(unused);
        expect(await incidents.nextId()).toBe(unused);
        expect(await incidents.nextId()).not.toBe(unused);
      });

      it('lets exactly one of two racing first claims of a group win', async () => {
        const { incidents } = await backend.freshStores();
        const results = await Promise.allSettled([
          incidents.putClaim({ groupKey: 'g1', incidentId: 'INC-1' }, undefined),
          incidents.putClaim({ groupKey: 'g1', incidentId: 'INC-2' }, undefined),
        ]);
        const won = results.filter((r) => r.status === 'fulfilled');
        const lost = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
        expect(won).toHaveLength(1);
        expect(lost).toHaveLength(1);
        expect(lost[0]?.reason).toBeInstanceOf(ConflictError);
        const winner = results[0]?.status === 'fulfilled' ? 'INC-1' : 'INC-2';
        expect(await incidents.getClaim('g1')).toEqual({ groupKey: 'g1', incidentId: winner });
      });

      it('moves a claim only from the incident it still points at', async () => {
        const { incidents } = await backend.freshStores();
        await incidents.putClaim({ groupKey: 'g1', incidentId: 'INC-1' }, undefined);
        await incidents.putClaim({ groupKey: 'g1', incidentId: 'INC-2' }, 'INC-1');
        await expect(incidents.putClaim({ groupKey: 'g1', incidentId: 'INC-3' }, 'INC-1')).rejects.toBeInstanceOf(ConflictError);
        expect(await incidents.getClaim('g1')).toEqual({ groupKey: 'g1', incidentId: 'INC-2' });
        expect(await incidents.getClaim('unclaimed')).toBeUndefined();
      });

      it('stores a new incident at version 1 and reads back exactly the incident', async () => {
        const { incidents } = await backend.freshStores();
        const created = await incidents.create(anIncident('INC-1'));
        expect(created.version).toBe(1);
        expect(await incidents.get('INC-1')).toEqual(created);
        await expect(incidents.create(anIncident('INC-1'))).rejects.toBeInstanceOf(ConflictError);
        expect(await incidents.get('INC-404')).toBeUndefined();
      });

      it('rejects an update based on a stale version', async () => {
        const { incidents } = await backend.freshStores();
        const v1 = await incidents.create(anIncident('INC-1', { resolvedAt: '2024-05-01T12:05:00.000Z', status: 'resolved' }));
        const { resolvedAt: _dropped, ...reopened } = v1;
        const v2 = await incidents.update({ ...reopened, status: 'open', round: 1 });
        expect(v2.version).toBe(2);
        await expect(incidents.update({ ...v1, title: 'stale write' })).rejects.toBeInstanceOf(ConflictError);
        const stored = await incidents.get('INC-1');
        expect(stored).toEqual(v2);
        expect(stored).not.toHaveProperty('resolvedAt');
      });

      it('refuses to update an incident that was never created', async () => {
        const { incidents } = await backend.freshStores();
        await expect(incidents.update(anIncident('INC-9', { version: 1 }))).rejects.toBeInstanceOf(ConflictError);
      });

      it('lists incidents newest first, by status, up to a limit, without claims', async () => {
        const { incidents } = await backend.freshStores();
        await incidents.putClaim({ groupKey: 'g1', incidentId: 'INC-1' }, undefined);
        await incidents.create(anIncident('INC-1', { openedAt: '2024-05-01T10:00:00.000Z' }));
        await incidents.create(anIncident('INC-2', { openedAt: '2024-05-01T11:00:00.000Z', status: 'resolved' }));
        await incidents.create(anIncident('INC-3', { openedAt: '2024-05-01T12:00:00.000Z', status: 'acknowledged' }));
        await incidents.create(anIncident('INC-4', { openedAt: '2024-05-01T13:00:00.000Z' }));
        const ids = (list: { id: string }[]) => list.map((i) => i.id);
        expect(ids(await incidents.list())).toEqual(['INC-4', 'INC-3', 'INC-2', 'INC-1']);
        expect(ids(await incidents.list({ status: ['open'] }))).toEqual(['INC-4', 'INC-1']);
        expect(ids(await incidents.list({ status: ['open', 'acknowledged'] }))).toEqual(['INC-4', 'INC-3', 'INC-1']);
        expect(ids(await incidents.list({ limit: 2 }))).toEqual(['INC-4', 'INC-3']);
        expect(ids(await incidents.list({ status: ['open', 'resolved'], limit: 2 }))).toEqual(['INC-4', 'INC-2']);
        const [first] = await incidents.list({ limit: 1 });
        expect(first).not.toHaveProperty('pk');
        expect(first).not.toHaveProperty('itemType');
      });
    });

    describe('proposals', () => {
      it('creates a proposal once and returns the stored one on the second try', async () => {
        const { proposals } = await backend.freshStores();
        const first = await proposals.createIfAbsent(aProposal('p1'));
        expect(first.created).toBe(true);
        expect(first.proposal.version).toBe(1);
        const second = await proposals.createIfAbsent(aProposal('p1', { requestedBy: 'U999' }));
        expect(second).toEqual({ created: false, proposal: first.proposal });
        expect(await proposals.get('p1')).toEqual(first.proposal);
      });

      it('rejects a proposal update based on a stale version', async () => {
        const { proposals } = await backend.freshStores();
        const { proposal: v1 } = await proposals.createIfAbsent(aProposal('p1'));
        const v2 = await proposals.update({ ...v1, status: 'approved' });
        expect(v2.version).toBe(2);
        await expect(proposals.update({ ...v1, status: 'rejected' })).rejects.toBeInstanceOf(ConflictError);
        expect((await proposals.get('p1'))?.status).toBe('approved');
      });

      it('lists proposals of an incident oldest first, and by status', async () => {
        const { proposals } = await backend.freshStores();
        await proposals.createIfAbsent(aProposal('p2', { createdAt: '2024-05-01T12:02:00.000Z', updatedAt: '2024-05-01T12:02:00.000Z' }));
        await proposals.createIfAbsent(aProposal('p1', { createdAt: '2024-05-01T12:01:00.000Z', updatedAt: '2024-05-01T12:01:00.000Z', status: 'running' }));
        await proposals.createIfAbsent(aProposal('p3', { incidentId: 'INC-2', status: 'succeeded' }));
        expect((await proposals.listByIncident('INC-1')).map((p) => p.id)).toEqual(['p1', 'p2']);
        expect((await proposals.listByStatus(['running', 'pending_approval'])).map((p) => p.id)).toEqual(['p1', 'p2']);
        expect(await proposals.listByStatus(['expired'])).toEqual([]);
      });

      it('knows a proposal exists once this process created or read it, and not before', async () => {
        const { proposals } = await backend.freshStores();
        expect(proposals.knownToExist('p1')).toBe(false);
        await proposals.createIfAbsent(aProposal('p1'));
        expect(proposals.knownToExist('p1')).toBe(true);
        expect(proposals.knownToExist('p2')).toBe(false);
      });

      it('lists by status only those updated since a given time', async () => {
        const { proposals } = await backend.freshStores();
        await proposals.createIfAbsent(aProposal('old', { status: 'succeeded', updatedAt: '2024-05-01T12:00:00.000Z' }));
        await proposals.createIfAbsent(aProposal('edge', { status: 'succeeded', updatedAt: '2024-05-02T12:00:00.000Z' }));
        await proposals.createIfAbsent(aProposal('new', { status: 'succeeded', updatedAt: '2024-05-03T12:00:00.000Z' }));
        await proposals.createIfAbsent(aProposal('other', { status: 'failed', updatedAt: '2024-05-03T12:00:00.000Z' }));
        expect((await proposals.listByStatus(['succeeded'], { updatedSince: '2024-05-02T12:00:00.000Z' })).map((p) => p.id)).toEqual(['edge', 'new']);
        expect((await proposals.listByStatus(['succeeded'])).map((p) => p.id)).toEqual(['old', 'edge', 'new']);
      });
    });

    describe('audit', () => {
      it('chains appended records: seq 1..n, each linking to the one before', async () => {
        const { audit } = await backend.freshStores();
        const a = await audit.append(anEntry('INC-1', 'open'));
        const b = await audit.append(anEntry('INC-1', 'propose', { kind: 'proposal.created' }));
        const c = await audit.append(anEntry('INC-1', 'approve', { kind: 'proposal.approved', operator: 'U123' }));
        expect([a, b, c].map((r) => [r.created, r.record.seq])).toEqual([[true, 1], [true, 2], [true, 3]]);
        expect(a.record.prevHash).toBe(GENESIS_HASH);
        expect(b.record.prevHash).toBe(a.record.hash);
        expect(c.record.prevHash).toBe(b.record.hash);
        const chain = await audit.chain('INC-1');
        expect(chain).toEqual([a.record, b.record, c.record]);
        expect(verifyChain(chain)).toEqual({ intact: true, records: 3 });
      });

      it('writes a retried step once', async () => {
        const { audit } = await backend.freshStores();
        const first = await audit.append(anEntry('INC-1', 'approve:p1:U1'));
        await audit.append(anEntry('INC-1', 'other'));
        const retry = await audit.append(anEntry('INC-1', 'approve:p1:U1'));
        expect(retry).toEqual({ created: false, record: first.record });
        expect(await audit.chain('INC-1')).toHaveLength(2);
      });

      it('reads a chain after a given seq, and finds what every incident wrote since a time, in time order', async () => {
        const clock = manualClock('2024-05-01T12:59:59.000Z');
        const { audit } = await backend.freshStores({ clock });
        await audit.append(anEntry('INC-1', 'a'));
        clock.advance(1000); // the next hour: the feed reads across hours
        const b = await audit.append(anEntry('INC-2', 'b'));
        clock.advance(1000);
        const c = await audit.append(anEntry('INC-1', 'c'));
        expect((await audit.after('INC-1', 1)).map((r) => r.stepKey)).toEqual(['c']);
        expect(await audit.after('INC-1', 2)).toEqual([]);
        const feed = await audit.feed('2024-05-01T13:00:00.000Z');
        expect(feed).toEqual([
          { incidentId: 'INC-2', seq: 1, timestamp: b.record.timestamp },
          { incidentId: 'INC-1', seq: 2, timestamp: c.record.timestamp },
        ]);
        // The index's bucket is the store's business: records read back are exactly what was hashed.
        const chain = await audit.chain('INC-1');
        expect(chain[1]).toEqual(c.record);
        expect(verifyChain(chain).intact).toBe(true);
      });

      it('reads records by key in the order asked, leaving out keys with no record', async () => {
        const { audit } = await backend.freshStores();
        const a = await audit.append(anEntry('INC-1', 'a'));
        const b = await audit.append(anEntry('INC-2', 'b'));
        const c = await audit.append(anEntry('INC-1', 'c', { details: { note: 'x'.repeat(1000) } }));
        const keys = [c, a, b].map(({ record }) => ({ incidentId: record.incidentId, seq: record.seq }));
        expect(await audit.byKeys([...keys, { incidentId: 'INC-1', seq: 99 }, keys[0]!])).toEqual([c.record, a.record, b.record, c.record]);
        expect(await audit.byKeys([])).toEqual([]);
        // More keys than one BatchGetItem takes.
        const many = await Promise.all(Array.from({ length: 130 }, (_, i) => audit.append(anEntry(`INC-${100 + i}`, 'x'))));
        const read = await audit.byKeys(many.map(({ record }) => record));
        expect(read.map((r) => r.incidentId)).toEqual(many.map(({ record }) => record.incidentId));
        expect(verifyChain([read[0]!])).toEqual({ intact: true, records: 1 });
      });

      it('keeps one intact chain under 50 concurrent appends', async () => {
        const { audit } = await backend.freshStores();
        const results = await Promise.all(Array.from({ length: 50 }, (_, i) => audit.append(anEntry('INC-1', `step-${i}`))));
        expect(results.every((r) => r.created)).toBe(true);
        const chain = await audit.chain('INC-1');
        expect(chain.map((r) => r.seq)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
        expect(new Set(chain.map((r) => r.stepKey)).size).toBe(50);
        expect(verifyChain(chain)).toEqual({ intact: true, records: 50 });
      });

      it('hashes what it stores, even details with dates and undefined fields', async () => {
        const { audit } = await backend.freshStores();
        await audit.append(anEntry('INC-1', 'odd', { details: { at: new Date(0), missing: undefined, nested: { n: 1.5, none: null } }, runbook: undefined }));
        const chain = await audit.chain('INC-1');
        expect(chain[0]?.details).toEqual({ at: '1970-01-01T00:00:00.000Z', nested: { n: 1.5, none: null } });
        expect(chain[0]).not.toHaveProperty('runbook');
        expect(verifyChain(chain).intact).toBe(true);
      });

      it('filters queries by incident, kind, alertname, time and text, keeping the newest n', async () => {
        const clock = manualClock('2024-05-01T12:00:00.000Z');
        const { audit } = await backend.freshStores({ clock });
        const step = async (incidentId: string, stepKey: string, overrides: Parameters<typeof anEntry>[2] = {}) => {
          clock.advance(60_000);
          return (await audit.append(anEntry(incidentId, stepKey, overrides))).record;
        };
        const r1 = await step('INC-1', 's1', { alertname: 'EcsNoRunningTasks' }); // 12:01
        const r2 = await step('INC-2', 's2', { alertname: 'HighLatency', kind: 'proposal.created' }); // 12:02
        const r3 = await step('INC-1', 's3', { kind: 'action.succeeded', details: { message: 'Restarted Service API' } }); // 12:03
        const r4 = await step('INC-2', 's4', { kind: 'action.failed' }); // 12:04

        expect(await audit.query({})).toEqual([r1, r2, r3, r4]);
        expect(await audit.query({ incident: 'INC-1' })).toEqual([r1, r3]);
        expect(await audit.query({ kind: 'proposal.created' })).toEqual([r2]);
        expect(await audit.query({ alertname: 'EcsNoRunningTasks' })).toEqual([r1]);
        expect(await audit.query({ since: '2024-05-01T12:03:00.000Z' })).toEqual([r3, r4]);
        expect(await audit.query({ since: '2024-05-01T14:03:00+02:00' })).toEqual([r3, r4]);
        expect(await audit.query({ contains: 'restarted service' })).toEqual([r3]);
        expect(await audit.query({ n: 2 })).toEqual([r3, r4]);
        expect(await audit.query({ incident: 'INC-2', kind: 'action.failed' })).toEqual([r4]);
        expect(await audit.query({ incident: 'INC-404' })).toEqual([]);
      });
    });

    describe('controls', () => {
      it('answers a ping', async () => {
        const { controls } = await backend.freshStores();
        await expect(controls.ping()).resolves.toBeUndefined();
      });
    });

    describe('SNS subscriptions', () => {
      it('remembers a confirmed subscription by topic and token, and only that one', async () => {
        const { snsSubscriptions } = await backend.freshStores();
        const topic = 'arn:aws:sns:eu-west-1:123456789012:alarms';
        expect(await snsSubscriptions.isConfirmed(topic, 'token-1')).toBe(false);
        await snsSubscriptions.markConfirmed(topic, 'token-1', new Date('2024-05-01T12:00:00Z'));
        await snsSubscriptions.markConfirmed(topic, 'token-1', new Date('2024-05-01T12:01:00Z'));
        expect(await snsSubscriptions.isConfirmed(topic, 'token-1')).toBe(true);
        expect(await snsSubscriptions.isConfirmed(topic, 'token-2')).toBe(false);
        expect(await snsSubscriptions.isConfirmed(`${topic}-other`, 'token-1')).toBe(false);
      });
    });

    describe('deliveries', () => {
      it('writes a cursor only over the version it read, so two deliverers cannot both advance it', async () => {
        const { deliveries } = await backend.freshStores();
        expect(await deliveries.get('chat#INC-1')).toBeUndefined();
        const v1 = await deliveries.put('chat#INC-1', { threadSeq: 3 }, 0);
        await expect(deliveries.put('chat#INC-1', { threadSeq: 9 }, 0)).rejects.toBeInstanceOf(ConflictError);
        const v2 = await deliveries.put('chat#INC-1', { threadSeq: 5 }, v1);
        await expect(deliveries.put('chat#INC-1', { threadSeq: 4 }, v1)).rejects.toBeInstanceOf(ConflictError);
        expect(await deliveries.get('chat#INC-1')).toEqual({ value: { threadSeq: 5 }, version: v2 });
      });
    });
  });
}
