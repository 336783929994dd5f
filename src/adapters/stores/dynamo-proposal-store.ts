import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { Proposal, ProposalStatus } from '../../core/proposal.js';
import type { ProposalStore } from '../../services/ports.js';
import { ConflictError } from '../../services/ports.js';
import { storeCall } from './dynamo-client.js';
import { queryAll } from './paginate.js';
import type { DynamoStoreOptions } from './store-options.js';
import { tableNames } from './tables.js';

/** How many proposal ids a process remembers as existing (about 40 bytes each). */
const KNOWN_IDS = 20_000;

function byUpdatedAt(a: Proposal, b: Proposal): number {
  return a.updatedAt < b.updatedAt ? -1 : a.updatedAt > b.updatedAt ? 1 : 0;
}

/**
 * Proposals (the actions they become) in the executions table. The id is deterministic per
 * incident, round, runbook and target, so createIfAbsent is how two replicas agree on one proposal.
 */
export function createDynamoProposalStore({ doc, prefix }: DynamoStoreOptions): ProposalStore {
  const TableName = tableNames(prefix).executions;

  // Ids of proposals this process has read or written, oldest first; bounded.
  const known = new Set<string>();
  const seen = <T extends { id: string } | undefined>(p: T): T => {
    if (p && !known.has(p.id)) {
      known.add(p.id);
      if (known.size > KNOWN_IDS) known.delete(known.values().next().value as string);
    }
    return p;
  };

  async function get(id: string): Promise<Proposal | undefined> {
    const out = await storeCall(doc.send(new GetCommand({ TableName, Key: { id }, ConsistentRead: true })));
    return seen(out.Item as Proposal | undefined);
  }

  return {
    get,

    knownToExist: (id) => known.has(id),

    async createIfAbsent(proposal) {
      const stored: Proposal = { ...proposal, version: 1 };
      try {
        await storeCall(doc.send(new PutCommand({ TableName, Item: stored, ConditionExpression: 'attribute_not_exists(id)' })));
        return { created: true, proposal: seen(stored) };
      } catch (err) {
        if (!(err instanceof ConflictError)) throw err;
      }
      const existing = await get(proposal.id);
      if (!existing) throw new ConflictError(`proposal ${proposal.id} existed a moment ago and is gone; try again`);
      return { created: false, proposal: existing };
    },

    async update(proposal) {
      const stored: Proposal = { ...proposal, version: proposal.version + 1 };
      await storeCall(
        doc.send(
          new PutCommand({
            TableName,
            Item: stored,
            ConditionExpression: '#version = :expected',
            ExpressionAttributeNames: { '#version': 'version' },
            ExpressionAttributeValues: { ':expected': proposal.version },
          }),
        ),
      );
      return stored;
    },

    async listByIncident(incidentId) {
      const items = await queryAll(doc, {
        TableName,
        IndexName: 'byIncident',
        KeyConditionExpression: 'incidentId = :incidentId',
        ExpressionAttributeValues: { ':incidentId': incidentId },
        ScanIndexForward: true,
      });
      return (items as unknown as Proposal[]).map(seen);
    },

    /** Oldest update first, so jobs sweeping stuck proposals handle the longest-waiting first. */
    async listByStatus(statuses: ProposalStatus[], options = {}) {
      const since = options.updatedSince;
      const perStatus = await Promise.all(
        statuses.map((status) =>
          queryAll(doc, {
            TableName,
            IndexName: 'byStatus',
            KeyConditionExpression: since === undefined ? '#status = :status' : '#status = :status AND #updatedAt >= :since',
            ExpressionAttributeNames: { '#status': 'status', ...(since === undefined ? {} : { '#updatedAt': 'updatedAt' }) },
            ExpressionAttributeValues: { ':status': status, ...(since === undefined ? {} : { ':since': since }) },
          }),
        ),
      );
      return (perStatus.flat() as unknown as Proposal[]).sort(byUpdatedAt);
    },
  };
}
