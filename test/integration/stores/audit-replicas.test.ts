import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDynamoAuditStore } from '../../../src/adapters/stores/dynamo-audit-store.js';
import { verifyChain } from '../../../src/core/audit.js';
import type { AuditEntry } from '../../../src/core/audit.js';
import { burstDocumentClient, startTestDynamo } from './harness.js';
import type { TestDynamo } from './harness.js';

const entry = (stepKey: string): AuditEntry => ({ incidentId: 'INC-7', kind: 'test.step', stepKey, trigger: 't', outcome: 'SUCCESS', operator: 'automated' });

describe('audit trail written by two replicas', () => {
  let dynamo: TestDynamo;
  beforeAll(async () => {
    dynamo = await startTestDynamo();
  });
  afterAll(async () => dynamo.close());

  it('keeps one intact chain, and a step retried on the other replica is found, not written twice', async () => {
    const { prefix } = await dynamo.freshStores();
    const a = createDynamoAuditStore({ doc: burstDocumentClient(dynamo.endpoint), prefix });
    const b = createDynamoAuditStore({ doc: burstDocumentClient(dynamo.endpoint), prefix });
    for (let i = 0; i < 10; i++) {
      const writer = i % 3 === 0 ? b : a;
      expect((await writer.append(entry(`step-${i}`))).created).toBe(true);
    }
    // Each replica retries a step the other one wrote (its remembered tail is stale or lacks it).
    expect((await a.append(entry('step-9'))).created).toBe(false);
    expect((await b.append(entry('step-8'))).created).toBe(false);
    expect((await a.append(entry('step-1'))).created).toBe(false);
    await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 ? a : b).append(entry(`burst-${i}`))));
    const chain = await a.chain('INC-7');
    expect(chain).toHaveLength(30);
    expect(new Set(chain.map((r) => r.stepKey)).size).toBe(30);
    expect(verifyChain(chain)).toEqual({ intact: true, records: 30 });
  });

  it('finds a step written hundreds of records ago, by this replica, the other one or one started since', async () => {
    const { prefix } = await dynamo.freshStores();
    const a = createDynamoAuditStore({ doc: burstDocumentClient(dynamo.endpoint), prefix });
    const b = createDynamoAuditStore({ doc: burstDocumentClient(dynamo.endpoint), prefix });
    a.beginChain('INC-7');
    const first = await a.append(entry('opened'));
    const second = await b.append(entry('no-runbook'));
    // An alert storm, taken by a third replica: hundreds of alert records after them, far past
    // any recent window (its own included).
    const c = createDynamoAuditStore({ doc: burstDocumentClient(dynamo.endpoint), prefix });
    for (let i = 0; i < 300; i++) await c.append({ ...entry(`alert-${i}`), kind: 'alert.received' });
    // A reconciler pass much later, on each replica and on a fresh one (a restart): nothing new.
    const fresh = createDynamoAuditStore({ doc: burstDocumentClient(dynamo.endpoint), prefix });
    for (const store of [c, fresh, a, b]) {
      const again = await store.append(entry('opened'));
      expect(again).toEqual({ record: first.record, created: false });
      expect((await store.append(entry('no-runbook'))).record).toEqual(second.record);
    }
    const chain = await fresh.chain('INC-7');
    expect(chain).toHaveLength(302);
    expect(chain.every((r) => r.seq > 0)).toBe(true);
    expect(verifyChain(chain)).toEqual({ intact: true, records: 302 });
    // Step markers are not records: the audit search and the time feed see records only.
    expect(await fresh.query({ incident: 'INC-7', n: 1000 })).toHaveLength(302);
    expect(await fresh.query({ n: 1000 })).toHaveLength(302);
    expect(await fresh.after('INC-7', 0, 5)).toEqual(chain.slice(0, 5));
  });

  it('writes each step once when both replicas take the same steps at the same moment, round after round', async () => {
    const { prefix } = await dynamo.freshStores();
    const a = createDynamoAuditStore({ doc: burstDocumentClient(dynamo.endpoint), prefix });
    const b = createDynamoAuditStore({ doc: burstDocumentClient(dynamo.endpoint), prefix });
    for (let round = 0; round < 50; round++) {
      // The same step on both (a webhook delivered to both replicas), and a step of each one's own.
      const results = await Promise.all([a.append(entry(`same-${round}`)), b.append(entry(`same-${round}`)), a.append(entry(`a-${round}`)), b.append(entry(`b-${round}`))]);
      expect(results.slice(0, 2).filter((r) => r.created), `round ${round}: the shared step written once`).toHaveLength(1);
      expect(results[0]?.record.seq).toBe(results[1]?.record.seq);
    }
    const chain = await a.chain('INC-7');
    expect(chain).toHaveLength(150);
    expect(new Set(chain.map((r) => r.stepKey)).size).toBe(150);
    expect(verifyChain(chain)).toEqual({ intact: true, records: 150 });
  });
});
