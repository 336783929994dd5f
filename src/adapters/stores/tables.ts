import { CreateTableCommand, DescribeTableCommand, ResourceInUseException, ResourceNotFoundException } from '@aws-sdk/client-dynamodb';
import type { CreateTableCommandInput, DynamoDBClient, TableDescription } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

/** The prefix used when `TABLE_PREFIX` is not set. */
export const DEFAULT_TABLE_PREFIX = 'chatops-';

/** Physical table names for one prefix. */
export interface TableNames {
  incidents: string;
  audit: string;
  executions: string;
  controls: string;
}

/** The table names the stores use for `prefix`. */
export function tableNames(prefix: string = DEFAULT_TABLE_PREFIX): TableNames {
  return {
    incidents: `${prefix}incidents`,
    audit: `${prefix}audit`,
    executions: `${prefix}executions`,
    controls: `${prefix}controls`,
  };
}

/**
 * The four tables, in CreateTable form. manifests/ must create the same keys and indexes on AWS;
 * there the controls table also gets TTL on `expiresAt` (dynalite has no TTL, so reads filter it).
 */
export function tableDefinitions(prefix: string = DEFAULT_TABLE_PREFIX): CreateTableCommandInput[] {
  const names = tableNames(prefix);
  return [
    {
      TableName: names.incidents,
      BillingMode: 'PAY_PER_REQUEST',
      // One table, two item types: incidents (pk = INC-42) and group claims (pk = group#<groupKey>).
      // Claims carry neither openedAt nor status, so they stay out of both indexes. The indexes hold
      // keys only: every alert rewrites its incident whole, and an index projecting ALL would be
      // rewritten with it (three writes of the whole item per alert instead of one).
      AttributeDefinitions: [
        { AttributeName: 'pk', AttributeType: 'S' },
        { AttributeName: 'groupKey', AttributeType: 'S' },
        { AttributeName: 'openedAt', AttributeType: 'S' },
        { AttributeName: 'status', AttributeType: 'S' },
      ],
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      GlobalSecondaryIndexes: [
        {
          IndexName: 'byGroupKey',
          KeySchema: [
            { AttributeName: 'groupKey', KeyType: 'HASH' },
            { AttributeName: 'openedAt', KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'KEYS_ONLY' },
        },
        {
          IndexName: 'byStatus',
          KeySchema: [
            { AttributeName: 'status', KeyType: 'HASH' },
            { AttributeName: 'openedAt', KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'KEYS_ONLY' },
        },
      ],
    },
    {
      TableName: names.audit,
      BillingMode: 'PAY_PER_REQUEST',
      // byTime finds what any replica wrote lately (delivery to Slack and PagerDuty, the live
      // stream): one partition per UTC hour, keys only, so it costs the write of a small entry.
      AttributeDefinitions: [
        { AttributeName: 'incidentId', AttributeType: 'S' },
        { AttributeName: 'seq', AttributeType: 'N' },
        { AttributeName: 'timeBucket', AttributeType: 'S' },
        { AttributeName: 'timestamp', AttributeType: 'S' },
      ],
      KeySchema: [
        { AttributeName: 'incidentId', KeyType: 'HASH' },
        { AttributeName: 'seq', KeyType: 'RANGE' },
      ],
      GlobalSecondaryIndexes: [
        {
          IndexName: 'byTime',
          KeySchema: [
            { AttributeName: 'timeBucket', KeyType: 'HASH' },
            { AttributeName: 'timestamp', KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'KEYS_ONLY' },
        },
      ],
    },
    {
      TableName: names.executions,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [
        { AttributeName: 'id', AttributeType: 'S' },
        { AttributeName: 'incidentId', AttributeType: 'S' },
        { AttributeName: 'createdAt', AttributeType: 'S' },
        { AttributeName: 'status', AttributeType: 'S' },
        { AttributeName: 'updatedAt', AttributeType: 'S' },
      ],
      KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
      GlobalSecondaryIndexes: [
        {
          IndexName: 'byIncident',
          KeySchema: [
            { AttributeName: 'incidentId', KeyType: 'HASH' },
            { AttributeName: 'createdAt', KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'ALL' },
        },
        {
          IndexName: 'byStatus',
          KeySchema: [
            { AttributeName: 'status', KeyType: 'HASH' },
            { AttributeName: 'updatedAt', KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'ALL' },
        },
      ],
    },
    {
      TableName: names.controls,
      BillingMode: 'PAY_PER_REQUEST',
      // Items may carry expiresAt (N, epoch seconds): the TTL attribute on AWS.
      AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
    },
  ];
}

const ACTIVE_TIMEOUT_MS = 120_000;

/**
 * Creates whichever tables are missing and waits until all are ACTIVE. Idempotent: on a restart
 * (or when another replica created a table first) it only waits. Existing tables are not altered.
 */
export async function ensureTables(client: DynamoDBClient | DynamoDBDocumentClient, prefix: string = DEFAULT_TABLE_PREFIX): Promise<void> {
  // The document client passes control-plane commands through untouched; only the types differ.
  const base = client as DynamoDBClient;
  for (const definition of tableDefinitions(prefix)) {
    const name = definition.TableName as string;
    if (!(await describe(base, name))) {
      try {
        await base.send(new CreateTableCommand(definition));
      } catch (err) {
        // Someone else created it between our DescribeTable and CreateTable: wait for theirs.
        if (!(err instanceof ResourceInUseException)) throw err;
      }
    }
    await waitUntilActive(base, name);
  }
}

async function describe(client: DynamoDBClient, name: string): Promise<TableDescription | undefined> {
  try {
    const out = await client.send(new DescribeTableCommand({ TableName: name }));
    return out.Table;
  } catch (err) {
    if (err instanceof ResourceNotFoundException) return undefined;
    throw err;
  }
}

function isActive(table: TableDescription | undefined): boolean {
  if (table?.TableStatus !== 'ACTIVE') return false;
  return (table.GlobalSecondaryIndexes ?? []).every((index) => index.IndexStatus === 'ACTIVE');
}

async function waitUntilActive(client: DynamoDBClient, name: string): Promise<void> {
  const deadline = Date.now() + ACTIVE_TIMEOUT_MS;
  // Short polls first: dynalite is ACTIVE almost at once, AWS takes seconds.
  for (let pollMs = 20; ; pollMs = Math.min(pollMs * 2, 2000)) {
    if (isActive(await describe(client, name))) return;
    if (Date.now() > deadline) {
      throw new Error(`DynamoDB table ${name} did not become ACTIVE within ${ACTIVE_TIMEOUT_MS / 1000}s; check it in the console or delete it and restart`);
    }
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
}
