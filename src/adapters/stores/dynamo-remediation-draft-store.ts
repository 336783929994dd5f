import { createHash } from 'node:crypto';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { RemediationDraft, RemediationDraftStore } from '../../services/ports.js';
import { systemClock } from '../../services/ports.js';
import { canonicalJson } from '../../core/canonical-json.js';
import { storeCall } from './dynamo-client.js';
import type { DynamoStoreOptions } from './store-options.js';
import { tableNames } from './tables.js';

/**
 * `/remediate` drafts in the controls table, keyed by a digest of their content: the same input
 * gets the same key (a second preview only extends the expiry), and a key reveals nothing typed.
 * Expiry is checked on read, since dynalite has no TTL.
 */
export function createDynamoRemediationDraftStore({ doc, prefix, clock = systemClock }: DynamoStoreOptions): RemediationDraftStore {
  const TableName = tableNames(prefix).controls;
  const pk = (key: string) => `remediate-draft#${key}`;
  return {
    async put(draft, until) {
      const key = createHash('sha256').update(canonicalJson(draft)).digest('base64url').slice(0, 22);
      await storeCall(
        doc.send(
          new PutCommand({
            TableName,
            Item: { pk: pk(key), itemType: 'remediate-draft', draft, until: until.toISOString(), expiresAt: Math.ceil(until.getTime() / 1000) },
          }),
        ),
      );
      return key;
    },
    async get(key) {
      if (!/^[A-Za-z0-9_-]{1,64}$/.test(key)) return undefined;
      const res = await storeCall(doc.send(new GetCommand({ TableName, Key: { pk: pk(key) }, ConsistentRead: true })));
      const item = res.Item as { draft?: RemediationDraft; until?: string } | undefined;
      if (!item?.draft || !item.until || Date.parse(item.until) <= clock.now().getTime()) return undefined;
      return item.draft;
    },
  };
}
