import { GetCommand, PutCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import type { Cooldown, CooldownStore } from '../../services/ports.js';
import { ConflictError, systemClock } from '../../services/ports.js';
import { storeCall } from './dynamo-client.js';
import type { DynamoStoreOptions } from './store-options.js';
import { tableNames } from './tables.js';

const pk = (key: string) => `cooldown#${key}`;

/**
 * Cooldowns as items with `until` and `expiresAt` (DynamoDB TTL on AWS). dynalite never expires
 * items, so every read compares `until` with the clock: an expired cooldown is ignored, not deleted.
 */
export function createDynamoCooldownStore({ doc, prefix, clock = systemClock }: DynamoStoreOptions): CooldownStore {
  const TableName = tableNames(prefix).controls;
  const active = (item: Record<string, unknown> | undefined): Cooldown | undefined => {
    if (!item || Date.parse(String(item.until)) <= clock.now().getTime()) return undefined;
    return { key: String(item.key), until: String(item.until), owner: String(item.owner) };
  };
  return {
    async get(key) {
      const out = await storeCall(doc.send(new GetCommand({ TableName, Key: { pk: pk(key) }, ConsistentRead: true })));
      return active(out.Item);
    },
    async claim(key, owner, until) {
      const now = clock.now().toISOString();
      try {
        await storeCall(
          doc.send(
            new PutCommand({
              TableName,
              Item: { pk: pk(key), itemType: 'cooldown', key, owner, until: until.toISOString(), expiresAt: Math.ceil(until.getTime() / 1000) },
              ConditionExpression: 'attribute_not_exists(pk) OR #until <= :now OR #owner = :owner',
              ExpressionAttributeNames: { '#until': 'until', '#owner': 'owner' },
              ExpressionAttributeValues: { ':now': now, ':owner': owner },
            }),
          ),
        );
        return true;
      } catch (err) {
        if (err instanceof ConflictError) return false;
        throw err;
      }
    },
    async listActive() {
      const out = await storeCall(
        doc.send(new ScanCommand({ TableName, ConsistentRead: true, FilterExpression: 'begins_with(pk, :p)', ExpressionAttributeValues: { ':p': 'cooldown#' } })),
      );
      return ((out.Items ?? []) as Record<string, unknown>[]).map(active).filter((c): c is Cooldown => c !== undefined);
    },
  };
}
