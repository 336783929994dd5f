import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { DeliveryStore } from '../../services/ports.js';
import { storeCall } from './dynamo-client.js';
import type { DynamoStoreOptions } from './store-options.js';
import { tableNames } from './tables.js';

/** Delivery cursors in the controls table, one small item each (`delivery#<key>`), versioned. */
export function createDynamoDeliveryStore({ doc, prefix }: DynamoStoreOptions): DeliveryStore {
  const TableName = tableNames(prefix).controls;
  return {
    async get<T>(key: string) {
      const out = await storeCall(doc.send(new GetCommand({ TableName, Key: { pk: `delivery#${key}` }, ConsistentRead: true })));
      if (!out.Item) return undefined;
      return { value: out.Item.value as T, version: Number(out.Item.version) };
    },
    async put<T>(key: string, value: T, version: number) {
      const next = version + 1;
      await storeCall(
        doc.send(
          new PutCommand({
            TableName,
            Item: { pk: `delivery#${key}`, itemType: 'delivery', value, version: next },
            ConditionExpression: version === 0 ? 'attribute_not_exists(pk)' : '#version = :version',
            ...(version === 0 ? {} : { ExpressionAttributeNames: { '#version': 'version' }, ExpressionAttributeValues: { ':version': version } }),
          }),
        ),
      );
      return next;
    },
  };
}
