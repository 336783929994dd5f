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
