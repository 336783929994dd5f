import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { afterEach, describe, expect, it } from 'vitest';
import { createDocumentClient } from '../../../src/adapters/stores/dynamo-client.js';
import { startEmbeddedDynamo } from '../../../src/adapters/stores/embedded-dynamo.js';
import { createDynamoStores } from '../../../src/adapters/stores/index.js';
import { DEFAULT_TABLE_PREFIX, ensureTables, tableNames } from '../../../src/adapters/stores/tables.js';
import { verifyChain } from '../../../src/core/audit.js';
import { StoreUnavailableError } from '../../../src/services/ports.js';
import { anEntry, anIncident } from './builders.js';
import { TEST_CREDENTIALS } from './harness.js';

/** Starts the embedded store on `dataDir` the way start-up does: tables ensured, stores built. */
async function boot(dataDir: string) {
  const dynamo = await startEmbeddedDynamo({ dataDir });
  const doc = createDocumentClient({ endpoint: dynamo.endpoint, region: 'us-east-1', credentials: TEST_CREDENTIALS });
  await ensureTables(doc, DEFAULT_TABLE_PREFIX);
  const stores = createDynamoStores({ doc, prefix: DEFAULT_TABLE_PREFIX });
  return {
    ...stores,
    async close() {
      doc.destroy();
      await dynamo.close();
    },
  };
}

describe('embedded DynamoDB', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  it('keeps incidents, audit records and the id counter across a restart', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'chatops-store-'));
    cleanups.push(() => rm(dataDir, { recursive: true, force: true }));

    const before = await boot(join(dataDir, 'nested', 'dynamo'));
    const id = await before.incidents.nextId();
    const incident = await before.incidents.create(anIncident(id));
    const { record } = await before.audit.append(anEntry(id, 'open'));
    await before.close();

    const after = await boot(join(dataDir, 'nested', 'dynamo'));
    cleanups.push(() => after.close());
    expect(await after.incidents.get(id)).toEqual(incident);
    const chain = await after.audit.chain(id);
    expect(chain).toEqual([record]);
    expect(verifyChain(chain).intact).toBe(true);
    expect(await after.incidents.nextId()).toBe('INC-2');
  });

  it('lets go of overwritten data once it is read past: the folder stays near the size of what it holds', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'chatops-store-'));
    cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
    const dynamo = await startEmbeddedDynamo({ dataDir });
    const doc = createDocumentClient({ endpoint: dynamo.endpoint, region: 'us-east-1', credentials: TEST_CREDENTIALS });
    cleanups.push(async () => {
      doc.destroy();
      await dynamo.close();
    });
    await ensureTables(doc, DEFAULT_TABLE_PREFIX);
    const TableName = tableNames(DEFAULT_TABLE_PREFIX).controls;
    const folderBytes = async () => {
      let total = 0;
      for (const name of await readdir(dataDir)) total += (await stat(join(dataDir, name))).size;
      return total;
    };

    // As an incident is: one item rewritten over and over, and read by Query between the writes.
    // 500 rewrites of 120 KB that does not compress: 60 MB written, 120 KB of it current.
    for (let i = 0; i < 500; i++) {
      await doc.send(new PutCommand({ TableName, Item: { pk: 'rewritten', body: randomBytes(90_000).toString('base64') } }));
      const read = await doc.send(new QueryCommand({ TableName, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': 'rewritten' } }));
      expect(read.Items).toHaveLength(1);
    }

    // LevelDB drops the old copies as it compacts, in the background: at most a write buffer and
    // a few level-0 tables (4 MB each) remain. A read that kept its view of the data open would
    // keep every copy instead, and the folder would hold all 60 MB until the store closed.
    const limit = 24 * 1024 * 1024;
    await expect.poll(folderBytes, { timeout: 20_000, interval: 200 }).toBeLessThan(limit);
  }, 60_000);

  it('listens on loopback only', async () => {
    const dynamo = await startEmbeddedDynamo();
    cleanups.push(() => dynamo.close());
    expect(new URL(dynamo.endpoint).hostname).toBe('127.0.0.1');
  });

  it('reports an unreachable store as StoreUnavailableError within seconds', async () => {
    const dynamo = await startEmbeddedDynamo();
    await dynamo.close();
    const doc = createDocumentClient({ endpoint: dynamo.endpoint, region: 'us-east-1', credentials: TEST_CREDENTIALS });
    cleanups.push(async () => doc.destroy());
    const { incidents, controls } = createDynamoStores({ doc, prefix: DEFAULT_TABLE_PREFIX });

    const startedAt = Date.now();
    await expect(incidents.get('INC-1')).rejects.toBeInstanceOf(StoreUnavailableError);
    await expect(controls.ping()).rejects.toBeInstanceOf(StoreUnavailableError);
    // Callers fail closed on this error; an SDK default of many retries would stall ingest instead.
    expect(Date.now() - startedAt).toBeLessThan(5000);
  });
});
