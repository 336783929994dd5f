import { GetCommand } from '@aws-sdk/lib-dynamodb';
import type { ControlStore } from '../../services/ports.js';
import { storeCall } from './dynamo-client.js';
import type { DynamoStoreOptions } from './store-options.js';
import { tableNames } from './tables.js';

/** Controls (kill switches, rate-limit buckets, cooldowns, leases): for now only the health check. */
export function createDynamoControlStore({ doc, prefix }: DynamoStoreOptions): ControlStore {
  const TableName = tableNames(prefix).controls;
  return {
    // A one-key GetItem: a data-plane call, so it is cheap and not subject to DescribeTable's low rate limit.
    async ping() {
      await storeCall(doc.send(new GetCommand({ TableName, Key: { pk: 'counter#incident' }, ProjectionExpression: 'pk' })));
    },
  };
}
