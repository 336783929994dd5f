import { GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { RateLimitStore } from '../../services/ports.js';
import { ConflictError, systemClock } from '../../services/ports.js';
import { storeCall } from './dynamo-client.js';
import type { DynamoStoreOptions } from './store-options.js';
import { tableNames } from './tables.js';

const MAX_ROUNDS = 20;
/** A replica brings a bucket up to date before taking from it if its last look is older than this. */
const REFRESH_AFTER_MS = 1000;

/**
 * Token buckets on single items. A take is `SET tokens = tokens - 1 IF tokens >= 1`: DynamoDB
 * applies conditional updates of one item one at a time, so N concurrent takes against k tokens
 * grant exactly k, whichever replica they come from. Only when the bucket looks empty is it
 * refilled (elapsed time × rate, capped at capacity), itself a conditional write on the
 * `tokens` and `refilledAt` it read. So that a bucket that sat full while idle is not credited for
 * that time on top of its capacity, a replica that has not refreshed a bucket for a second first
 * brings it up to date (capped) before taking: a burst then starts from at most `capacity`.
 */
export function createDynamoRateLimitStore({ doc, prefix, clock = systemClock }: DynamoStoreOptions): RateLimitStore {
  const TableName = tableNames(prefix).controls;
  const key = (bucket: string) => ({ pk: `bucket#${bucket}` });
  /** The `refilledAt` this replica last saw per bucket. */
  const seen = new Map<string, number>();

  /**
   * Credits the time since `refilledAt` (capped at capacity) before a take. Both writes are
   * conditional on the `refilledAt` seen, so a bucket another replica refreshed meanwhile is left
   * alone: a refresh can only ever credit time once.
   */
  async function refresh(bucket: string, capacity: number, ratePerMinute: number, refilledAt: number): Promise<void> {
    const now = clock.now().getTime();
    const credit = ((now - refilledAt) * ratePerMinute) / 60_000;
    const attempt = (expression: string, condition: string) =>
      storeCall(
        doc.send(
          new UpdateCommand({
            TableName,
            Key: key(bucket),
            UpdateExpression: expression,
            ConditionExpression: `refilledAt = :seen AND ${condition}`,
            ExpressionAttributeValues: { ':seen': refilledAt, ':now': now, ...(expression.includes(':credit') ? { ':credit': credit } : { ':cap': capacity }), ':limit': capacity - credit },
          }),
        ),
      );
    try {
      await attempt('SET tokens = tokens + :credit, refilledAt = :now', 'tokens <= :limit');
    } catch (err) {
      if (!(err instanceof ConflictError)) throw err;
      try {
        await attempt('SET tokens = :cap, refilledAt = :now', 'tokens > :limit');
      } catch (again) {
        if (!(again instanceof ConflictError)) throw again;
        seen.delete(bucket); // refreshed elsewhere: learn the new refilledAt on the next take
        return;
      }
    }
    seen.set(bucket, now);
  }

  async function tryTake(bucket: string): Promise<number | undefined> {
    try {
      const out = await storeCall(
        doc.send(
          new UpdateCommand({
            TableName,
            Key: key(bucket),
            UpdateExpression: 'SET tokens = tokens - :one',
            ConditionExpression: 'tokens >= :one',
            ExpressionAttributeValues: { ':one': 1 },
            ReturnValues: 'ALL_NEW',
          }),
        ),
      );
      if (out.Attributes?.refilledAt !== undefined) seen.set(bucket, Number(out.Attributes.refilledAt));
      return Number(out.Attributes?.tokens ?? 0);
    } catch (err) {
      if (err instanceof ConflictError) return undefined;
      throw err;
    }
  }

  /** Returns the tokens available after a refill, or throws ConflictError when another writer refilled first. */
  async function refill(bucket: string, capacity: number, ratePerMinute: number): Promise<number> {
    const now = clock.now().getTime();
    const current = await storeCall(doc.send(new GetCommand({ TableName, Key: key(bucket), ConsistentRead: true })));
    const item = current.Item;
    if (!item) {
      await storeCall(doc.send(new PutCommand({ TableName, Item: { ...key(bucket), itemType: 'bucket', tokens: capacity, refilledAt: now }, ConditionExpression: 'attribute_not_exists(pk)' })));
      seen.set(bucket, now);
      return capacity;
    }
    const tokens = Number(item.tokens);
    const refilledAt = Number(item.refilledAt);
    const next = Math.min(capacity, tokens + (Math.max(0, now - refilledAt) * ratePerMinute) / 60_000);
    if (next < 1) return next;
    await storeCall(
      doc.send(
        new UpdateCommand({
          TableName,
          Key: key(bucket),
          UpdateExpression: 'SET tokens = :t, refilledAt = :now',
          // Both: a take between our read and this write changed `tokens` but not `refilledAt`,
          // and writing a count computed from the stale read would hand its token out again.
          ConditionExpression: 'refilledAt = :old AND tokens = :oldTokens',
          ExpressionAttributeValues: { ':t': next, ':now': now, ':old': refilledAt, ':oldTokens': tokens },
        }),
      ),
    );
    seen.set(bucket, now);
    return next;
  }

  return {
    async take(bucket, capacity, ratePerMinute) {
      const last = seen.get(bucket);
      if (last !== undefined && clock.now().getTime() - last >= REFRESH_AFTER_MS) await refresh(bucket, capacity, ratePerMinute, last);
      for (let round = 0; round < MAX_ROUNDS; round++) {
        const remaining = await tryTake(bucket);
        if (remaining !== undefined) return { granted: true, remaining };
        let available: number;
        try {
          available = await refill(bucket, capacity, ratePerMinute);
        } catch (err) {
          if (err instanceof ConflictError) continue; // someone else refilled: try to take again
          throw err;
        }
        if (available < 1) return { granted: false, retryAfterMs: Math.ceil(((1 - available) * 60_000) / ratePerMinute) };
      }
      // Could not decide under contention: refuse rather than guess (fail closed).
      return { granted: false, retryAfterMs: 1000 };
    },
    async peek(bucket) {
      const out = await storeCall(doc.send(new GetCommand({ TableName, Key: key(bucket), ConsistentRead: true })));
      return out.Item ? Number(out.Item.tokens) : undefined;
    },
  };
}
