import { BatchGetCommand, PutCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import type { KillSwitch, KillSwitchStore } from '../../services/ports.js';
import { storeCall } from './dynamo-client.js';
import type { DynamoStoreOptions } from './store-options.js';
import { tableNames } from './tables.js';

const key = (scope: string) => `killswitch#${scope}`;

function toSwitch(item: Record<string, unknown>): KillSwitch {
  const sw: KillSwitch = { scope: String(item.scope), engaged: item.engaged === true, by: String(item.by), authority: String(item.authority), at: String(item.at) };
  if (typeof item.reason === 'string') sw.reason = item.reason;
  return sw;
}

/** Kill switches in the controls table, one item per scope; history lives in the audit trail. */
export function createDynamoKillSwitchStore({ doc, prefix }: DynamoStoreOptions): KillSwitchStore {
  const TableName = tableNames(prefix).controls;
  return {
    async engaged(scopes) {
      if (scopes.length === 0) return [];
      const out = await storeCall(
        doc.send(new BatchGetCommand({ RequestItems: { [TableName]: { Keys: [...new Set(scopes)].map((s) => ({ pk: key(s) })), ConsistentRead: true } } })),
      );
      // Fail closed: a partial answer is not an answer.
      if (Object.keys(out.UnprocessedKeys ?? {}).length > 0) throw new Error('kill switch read was only partly answered');
      return (out.Responses?.[TableName] ?? []).map(toSwitch).filter((s) => s.engaged);
    },
    async listEngaged() {
      const items: Record<string, unknown>[] = [];
      let start: Record<string, unknown> | undefined;
      do {
        const out = await storeCall(
          doc.send(
            new ScanCommand({
              TableName,
              ConsistentRead: true,
              FilterExpression: 'begins_with(pk, :p) AND engaged = :t',
              ExpressionAttributeValues: { ':p': 'killswitch#', ':t': true },
              ExclusiveStartKey: start,
            }),
          ),
        );
        items.push(...((out.Items ?? []) as Record<string, unknown>[]));
        start = out.LastEvaluatedKey;
      } while (start);
      return items.map(toSwitch).sort((a, b) => a.scope.localeCompare(b.scope));
    },
    async set(sw) {
      await storeCall(doc.send(new PutCommand({ TableName, Item: { pk: key(sw.scope), itemType: 'killswitch', ...sw } })));
    },
  };
}
