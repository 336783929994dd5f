import { createHash } from 'node:crypto';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { SnsSubscriptionStore } from '../ingest/sns-subscription-store.js';
import { storeCall } from './dynamo-client.js';
import type { DynamoStoreOptions } from './store-options.js';
import { tableNames } from './tables.js';

/** Confirmation tokens expire after three days; a month of memory covers every redelivery. */
const KEEP_SECONDS = 30 * 86_400;

/** The token lets anyone confirm the subscription, so only a digest of it is stored. */
const pk = (topicArn: string, token: string) => `sns-subscription#${createHash('sha256').update(`${topicArn}\u0000${token}`).digest('hex')}`;

/** Confirmed SNS subscriptions as items in the controls table (TTL on `expiresAt` on AWS). */
export function createDynamoSnsSubscriptionStore({ doc, prefix }: DynamoStoreOptions): SnsSubscriptionStore {
  const TableName = tableNames(prefix).controls;
  return {
    async isConfirmed(topicArn, token) {
      const out = await storeCall(doc.send(new GetCommand({ TableName, Key: { pk: pk(topicArn, token) }, ConsistentRead: true })));
      return out.Item !== undefined;
    },
    async markConfirmed(topicArn, token, at) {
      const Item = { pk: pk(topicArn, token), itemType: 'sns-subscription', topicArn, confirmedAt: at.toISOString(), expiresAt: Math.ceil(at.getTime() / 1000) + KEEP_SECONDS };
      await storeCall(doc.send(new PutCommand({ TableName, Item })));
    },
  };
}
