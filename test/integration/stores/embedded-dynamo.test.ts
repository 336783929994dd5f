import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
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

interface LevelDb {
  compactRange(start: string, end: string): Promise<void>;
}

/**
 * Records each LevelDB dynalite opens from now on (its ClassicLevel, resolved from dynalite as the
 * bot's own copy is), so a test can compact it now instead of waiting for LevelDB to get round to
 * it in the background, which on a busy machine took anything from a second to most of a minute.
 */
function watchLevelDbs(): { opened: LevelDb[]; stop(): void } {
  const fromDynalite = createRequire(createRequire(import.meta.url).resolve('dynalite'));
  const fromLevel = createRequire(fromDynalite.resolve('level'));
  const { ClassicLevel } = fromLevel('classic-level') as { ClassicLevel: { prototype: { _open(...args: unknown[]): Promise<void> } } };
  const original = ClassicLevel.prototype._open;
  const opened: LevelDb[] = [];
  ClassicLevel.prototype._open = function (this: LevelDb, ...args: unknown[]) {
    opened.push(this);
    return original.apply(this, args);
  };
  return { opened, stop: () => void (ClassicLevel.prototype._open = original) };
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
    const levels = watchLevelDbs();
    cleanups.push(async () => levels.stop());
    const dynamo = await startEmbeddedDynamo({ dataDir });
    const doc = createDocumentClient({ endpoint: dynamo.endpoint, region: 'us-east-1', credentials: TEST_CREDENTIALS });
    cleanups.push(async () => {
      doc.destroy();
      await dynamo.close();
    });
    await ensureTables(doc, DEFAULT_TABLE_PREFIX);
    expect(levels.opened).toHaveLength(1);
    const TableName = tableNames(DEFAULT_TABLE_PREFIX).controls;
    const folderBytes = async () => {
      let total = 0;
      for (const name of await readdir(dataDir)) total += (await stat(join(dataDir, name))).size;
      return total;
    };

    // As an incident is: one item rewritten over and over, and read by Query between the writes.
    // 150 rewrites of 120 KB that does not compress: 18 MB written (four or five 4 MB write
    // buffers flushed to table files), 120 KB of it current.
    for (let i = 0; i < 150; i++) {
      await doc.send(new PutCommand({ TableName, Item: { pk: 'rewritten', body: randomBytes(90_000).toString('base64') } }));
      const read = await doc.send(new QueryCommand({ TableName, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': 'rewritten' } }));
      expect(read.Items).toHaveLength(1);
    }

    // A full compaction, as LevelDB runs in the background, here awaited: it drops the old
    // copies and deletes the table files that held them, unless something still reads them. A
    // Query that kept its view of the data open would pin every one of those files, and the folder
    // would hold all 18 MB until the store closed.
    await levels.opened[0]!.compactRange('\u0000', '\uffff');
    expect(await folderBytes()).toBeLessThan(4 * 1024 * 1024);
  });

  it('listens on loopback only', async () => {
    const dynamo = await startEmbeddedDynamo();
    cleanups.push(() => dynamo.close());
    expect(new URL(dynamo.endpoint).hostname).toBe('127.0.0.1');
  });

  it('reports a store that is not running as StoreUnavailableError', async () => {
    const dynamo = await startEmbeddedDynamo();
    await dynamo.close();
    const doc = createDocumentClient({ endpoint: dynamo.endpoint, region: 'us-east-1', credentials: TEST_CREDENTIALS });
    cleanups.push(async () => doc.destroy());
    const { incidents, controls } = createDynamoStores({ doc, prefix: DEFAULT_TABLE_PREFIX });
    await expect(incidents.get('INC-1')).rejects.toBeInstanceOf(StoreUnavailableError);
    await expect(controls.ping()).rejects.toBeInstanceOf(StoreUnavailableError);
  });

  it('reports a store that drops every connection as StoreUnavailableError after two attempts, not the SDK default of three with backoff', async () => {
    // A store that takes each connection and drops it at once, counting them: one per attempt.
    let connections = 0;
    const dropping = createServer((socket) => {
      connections++;
      socket.destroy();
    });
    await new Promise<void>((resolve) => dropping.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise<void>((resolve) => dropping.close(() => resolve())));
    const doc = createDocumentClient({ endpoint: `http://127.0.0.1:${(dropping.address() as AddressInfo).port}`, region: 'us-east-1', credentials: TEST_CREDENTIALS });
    cleanups.push(async () => doc.destroy());
    const { incidents, controls } = createDynamoStores({ doc, prefix: DEFAULT_TABLE_PREFIX });

    // Callers fail closed on this error; more retries would only hold up ingest for longer.
    await expect(incidents.get('INC-1')).rejects.toBeInstanceOf(StoreUnavailableError);
    expect(connections).toBe(2);
    await expect(controls.ping()).rejects.toBeInstanceOf(StoreUnavailableError);
    expect(connections).toBe(4);
  });
});
