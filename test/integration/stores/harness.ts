import { randomUUID } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { createDocumentClient } from '../../../src/adapters/stores/dynamo-client.js';
import { startEmbeddedDynamo } from '../../../src/adapters/stores/embedded-dynamo.js';
import type { Stores } from '../../../src/adapters/stores/index.js';
import { createDynamoStores } from '../../../src/adapters/stores/index.js';
import { ensureTables } from '../../../src/adapters/stores/tables.js';
import type { Clock } from '../../../src/services/ports.js';

/** dynalite checks that requests are signed, not by whom; explicit keys keep the host's own out of it. */
export const TEST_CREDENTIALS = { accessKeyId: 'test', secretAccessKey: 'test' };

export interface TestDynamo {
  endpoint: string;
  doc: DynamoDBDocumentClient;
  /** Stores on fresh tables (a new prefix), so tests do not see each other's items or counters. */
  freshStores(options?: { clock?: Clock }): Promise<Stores & { prefix: string }>;
  close(): Promise<void>;
}

/**
 * A document client for bursts of hundreds of concurrent requests against one dynalite. The bot's
 * own client gives up after 1 s without a connection, and the SDK counts the time a request waits
 * for one of its 50 sockets as connecting; a single-threaded dynalite serving 1,000 requests makes
 * most of them wait longer than that. Same store code, more patient transport, no SDK retries.
 */
export function burstDocumentClient(endpoint: string): DynamoDBDocumentClient {
  const client = new DynamoDBClient({ endpoint, region: 'us-east-1', credentials: TEST_CREDENTIALS, maxAttempts: 1, requestHandler: { connectionTimeout: 60_000, requestTimeout: 60_000 } });
  const doc = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false } });
  doc.destroy = () => client.destroy();
  return doc;
}

/** One in-memory dynalite for a test file, plus a client on it. */
export async function startTestDynamo(options: { dataDir?: string } = {}): Promise<TestDynamo> {
  const dynamo = await startEmbeddedDynamo(options);
  const doc = createDocumentClient({ endpoint: dynamo.endpoint, region: 'us-east-1', credentials: TEST_CREDENTIALS });
  return {
    endpoint: dynamo.endpoint,
    doc,
    async freshStores({ clock } = {}) {
      const prefix = `t${randomUUID().slice(0, 8)}-`;
      await ensureTables(doc, prefix);
      return { prefix, ...createDynamoStores({ doc, prefix, ...(clock ? { clock } : {}) }) };
    },
    async close() {
      doc.destroy();
      await dynamo.close();
    },
  };
}

/** A clock the test moves by hand. */
export function manualClock(start = '2024-05-01T12:00:00.000Z'): Clock & { advance(ms: number): void } {
  let now = Date.parse(start);
  return {
    now: () => new Date(now),
    advance(ms) {
      now += ms;
    },
  };
}
