import { createHash } from 'node:crypto';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import type { ReplayStore } from '../../services/ports.js';
import { ConflictError, systemClock } from '../../services/ports.js';
import { storeCall } from './dynamo-client.js';
import type { DynamoStoreOptions } from './store-options.js';
import { tableNames } from './tables.js';

/**
 * Seen signatures as conditional puts in the controls table: the put succeeds only when no item
 * holds the signature or the one that does has expired (checked against the clock, since dynalite
 * has no TTL; on AWS, TTL on `expiresAt` removes them later). Stored as a hash: the signature is
 * not a secret, but nothing needs it back.
 */
export function createDynamoReplayStore({ doc, prefix, clock = systemClock }: DynamoStoreOptions): ReplayStore {
  const TableName = tableNames(prefix).controls;
  return {
    async firstSeen(signature, until) {
      const pk = `slack-signature#${createHash('sha256').update(signature).digest('hex')}`;
      try {
        await storeCall(
          doc.send(
            new PutCommand({
              TableName,
              Item: { pk, itemType: 'slack-signature', until: until.toISOString(), expiresAt: Math.ceil(until.getTime() / 1000) },
              ConditionExpression: 'attribute_not_exists(pk) OR #until <= :now',
              ExpressionAttributeNames: { '#until': 'until' },
              ExpressionAttributeValues: { ':now': clock.now().toISOString() },
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
