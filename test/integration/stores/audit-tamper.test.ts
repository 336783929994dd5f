import { DeleteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tableNames } from '../../../src/adapters/stores/tables.js';
import { verifyChain } from '../../../src/core/audit.js';
import { anEntry } from './builders.js';
import type { TestDynamo } from './harness.js';
import { startTestDynamo } from './harness.js';

describe('audit trail on DynamoDB, tampered with behind the store', () => {
  let dynamo: TestDynamo;
  beforeAll(async () => {
    dynamo = await startTestDynamo();
  });
  afterAll(async () => {
    await dynamo.close();
  });

  async function threeRecords() {
    const stores = await dynamo.freshStores();
    for (const step of ['open', 'propose', 'approve']) {
      await stores.audit.append(anEntry('INC-1', step, { details: { step } }));
    }
    return { ...stores, TableName: tableNames(stores.prefix).audit };
  }

  it('reports an edited record as a broken chain', async () => {
    const { audit, TableName } = await threeRecords();
    await dynamo.doc.send(
      new UpdateCommand({
        TableName,
        Key: { incidentId: 'INC-1', seq: 2 },
        UpdateExpression: 'SET details = :details',
        ExpressionAttributeValues: { ':details': { step: 'something else' } },
      }),
    );
    expect(verifyChain(await audit.chain('INC-1'))).toMatchObject({ intact: false, brokenAt: 2 });
  });

  it('reports a deleted middle record as a broken chain', async () => {
    const { audit, TableName } = await threeRecords();
    await dynamo.doc.send(new DeleteCommand({ TableName, Key: { incidentId: 'INC-1', seq: 2 } }));
    const chain = await audit.chain('INC-1');
    expect(chain.map((r) => r.seq)).toEqual([1, 3]);
    expect(verifyChain(chain)).toMatchObject({ intact: false, brokenAt: 2 });
  });
});
