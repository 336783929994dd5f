import { PutCommand } from '@aws-sdk/lib-dynamodb';
import type { LeaseStore } from '../../services/ports.js';
import { ConflictError, systemClock } from '../../services/ports.js';
import { storeCall } from './dynamo-client.js';
import type { DynamoStoreOptions } from './store-options.js';
import { tableNames } from './tables.js';

/** Leases as conditional puts; an expired lease (checked against the clock, not TTL) may be taken over. */
export function createDynamoLeaseStore({ doc, prefix, clock = systemClock }: DynamoStoreOptions): LeaseStore {
  const TableName = tableNames(prefix).controls;
  return {
    async acquire(key, owner, until) {
      try {
        await storeCall(
          doc.send(
            new PutCommand({
              TableName,
              Item: { pk: `lease#${key}`, itemType: 'lease', owner, until: until.toISOString(), expiresAt: Math.ceil(until.getTime() / 1000) + 86_400 },
              ConditionExpression: 'attribute_not_exists(pk) OR #until <= :now OR #owner = :owner',
              ExpressionAttributeNames: { '#until': 'until', '#owner': 'owner' },
              ExpressionAttributeValues: { ':now': clock.now().toISOString(), ':owner': owner },
            }),
          ),
        );
        return true;
      } catch (err) {
        if (err instanceof ConflictError) return false;
        throw err;
      }
    },
  };
}
