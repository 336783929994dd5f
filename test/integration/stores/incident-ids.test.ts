import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDynamoIncidentStore } from '../../../src/adapters/stores/dynamo-incident-store.js';
import { startTestDynamo } from './harness.js';
import type { TestDynamo } from './harness.js';

describe('incident ids across two replicas of one store', () => {
  let dynamo: TestDynamo;
  beforeAll(async () => {
    dynamo = await startTestDynamo();
  });
  afterAll(async () => dynamo.close());

  const replicas = async () => {
    const { prefix } = await dynamo.freshStores();
    return [createDynamoIncidentStore({ doc: dynamo.doc, prefix }), createDynamoIncidentStore({ doc: dynamo.doc, prefix })] as const;
  };

  it('gives an unused id back to the counter when the other replica took no number since', async () => {
    const [a, b] = await replicas();
    const unused = await a.nextId();
    await a.releaseId(unused);
    expect(await b.nextId()).toBe(unused);
  });

  it('keeps an id it cannot give back (the other replica took the next) and hands it out before the counter moves on', async () => {
    const [a, b] = await replicas();
    const unused = await a.nextId();
    const taken = await b.nextId();
    await a.releaseId(unused);
    expect(await a.nextId()).toBe(unused);
    const ids = [unused, taken, await a.nextId(), await b.nextId()].map((id) => Number(id.slice(4))).sort((x, y) => x - y);
    expect(ids, 'no number skipped, none twice').toEqual([1, 2, 3, 4]);
  });

  it('never rejects a give-back, even with the store gone: the id stays with this replica', async () => {
    const { prefix } = await dynamo.freshStores();
    const failing = createDynamoIncidentStore({ doc: { send: () => Promise.reject(new Error('store down')) } as unknown as typeof dynamo.doc, prefix });
    await expect(failing.releaseId('INC-9')).resolves.toBeUndefined();
    expect(await failing.nextId()).toBe('INC-9');
  });
});
