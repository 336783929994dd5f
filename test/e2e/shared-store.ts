import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { createDocumentClient, ensureTables, startEmbeddedDynamo } from '../../src/adapters/stores/index.js';

export interface SharedStore {
  dynamo: Awaited<ReturnType<typeof startEmbeddedDynamo>>;
  doc: DynamoDBDocumentClient;
  /** What a bot needs to use it as "real DynamoDB". */
  env: { STORE: 'dynamodb'; AWS_ENDPOINT_URL_DYNAMODB: string };
  /** Lets go of the client and stops the store: after the bots, or to take the store away. */
  close(): Promise<void>;
}

/**
 * A dynalite of the test's own with the tables created, used as "real DynamoDB" (STORE=dynamodb):
 * several bots can share it, and the test can reach behind them or take it away.
 */
export async function startSharedStore(): Promise<SharedStore> {
  const dynamo = await startEmbeddedDynamo();
  const doc = createDocumentClient({ endpoint: dynamo.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
  await ensureTables(doc, 'chatops-');
  return {
    dynamo,
    doc,
    env: { STORE: 'dynamodb', AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint },
    async close() {
      doc.destroy();
      await dynamo.close();
    },
  };
}
