import { BatchGetCommand, QueryCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import type { DynamoDBDocumentClient, QueryCommandInput, ScanCommandInput } from '@aws-sdk/lib-dynamodb';
import { storeCall } from './dynamo-client.js';

type Item = Record<string, unknown>;

/**
 * Follows LastEvaluatedKey until the query is exhausted or `max` items were read. A page holds at
 * most 1 MB, so "one Query" is never enough for a whole partition.
 */
export async function queryAll(doc: DynamoDBDocumentClient, input: QueryCommandInput, max = Infinity): Promise<Item[]> {
  const items: Item[] = [];
  let start: QueryCommandInput['ExclusiveStartKey'];
  do {
    const page = await storeCall(doc.send(new QueryCommand({ ...input, ExclusiveStartKey: start })));
    items.push(...(page.Items ?? []));
    start = page.LastEvaluatedKey;
  } while (start && items.length < max);
  return items.slice(0, max);
}

/** Like queryAll, for a Scan; a filter applies after each page is read, so pages may be empty. */
export async function scanAll(doc: DynamoDBDocumentClient, input: ScanCommandInput): Promise<Item[]> {
  const items: Item[] = [];
  let start: ScanCommandInput['ExclusiveStartKey'];
  do {
    const page = await storeCall(doc.send(new ScanCommand({ ...input, ExclusiveStartKey: start })));
    items.push(...(page.Items ?? []));
    start = page.LastEvaluatedKey;
  } while (start);
  return items;
}

/** BatchGetItem takes at most 100 keys a call. */
const BATCH_GET_MAX_KEYS = 100;
/** Rounds of retrying the keys DynamoDB left unprocessed (throttling) before giving up. */
const UNPROCESSED_ROUNDS = 5;

/**
 * Strongly consistent reads of `keys` from one table, 100 keys a call, retrying what comes back
 * unprocessed. Keys with no item are absent from the answer; order is not kept. Throws when keys
 * are still unprocessed after a few rounds: a partial answer is not an answer.
 */
export async function batchGetAll(doc: DynamoDBDocumentClient, TableName: string, keys: Item[]): Promise<Item[]> {
  const items: Item[] = [];
  for (let i = 0; i < keys.length; i += BATCH_GET_MAX_KEYS) {
    let pending = keys.slice(i, i + BATCH_GET_MAX_KEYS);
    for (let round = 0; pending.length > 0; round++) {
      if (round === UNPROCESSED_ROUNDS) throw new Error(`${TableName}: ${pending.length} keys still unprocessed after ${UNPROCESSED_ROUNDS} batch reads`);
      if (round > 0) await new Promise((r) => setTimeout(r, 50 * 2 ** round));
      const out = await storeCall(doc.send(new BatchGetCommand({ RequestItems: { [TableName]: { Keys: pending, ConsistentRead: true } } })));
      items.push(...(out.Responses?.[TableName] ?? []));
      pending = (out.UnprocessedKeys?.[TableName]?.Keys ?? []) as Item[];
    }
  }
  return items;
}
