import { GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { formatIncidentId } from '../../core/incident.js';
import type { Incident, IncidentStatus } from '../../core/incident.js';
import type { GroupClaim, IncidentStore } from '../../services/ports.js';
import { systemClock } from '../../services/ports.js';
import { storeCall } from './dynamo-client.js';
import { batchGetAll, queryAll, scanAll } from './paginate.js';
import type { DynamoStoreOptions } from './store-options.js';
import { tableNames } from './tables.js';

const COUNTER_KEY = 'counter#incident';
/** Incidents kept in memory for the alert path: at most this many, and this many characters of JSON. */
const CACHE_ENTRIES = 2000;
const CACHE_CHARS = 32_000_000;
const DEFAULT_LIST_LIMIT = 100;

function claimKey(groupKey: string): string {
  return `group#${groupKey}`;
}

function toItem(incident: Incident): Record<string, unknown> {
  return { ...incident, pk: incident.id, itemType: 'incident' };
}

/** Drops the storage-only attributes, so callers see exactly an Incident. */
function fromItem(item: Record<string, unknown>): Incident {
  const { pk: _pk, itemType: _itemType, ...incident } = item;
  return incident as unknown as Incident;
}

function idNumber(id: string): number {
  return Number(/(\d+)$/.exec(id)?.[1] ?? 0);
}

/** Newest first; the id breaks ties of incidents opened in the same millisecond. */
function newestFirst(a: Pick<Incident, 'id' | 'openedAt'>, b: Pick<Incident, 'id' | 'openedAt'>): number {
  if (a.openedAt !== b.openedAt) return a.openedAt < b.openedAt ? 1 : -1;
  return idNumber(b.id) - idNumber(a.id);
}

/**
 * Incidents and group claims in one table. Every write is a single-item conditional write
 * (dynalite has no transactions): claims by their current owner, incidents by version.
 */
export function createDynamoIncidentStore({ doc, prefix, clock = systemClock }: DynamoStoreOptions): IncidentStore {
  const TableName = tableNames(prefix).incidents;
  // The id counter is a control item, not an incident: it must never appear in a Scan of incidents.
  const CounterTable = tableNames(prefix).controls;
  // Claims this process has seen (see IncidentStore.getClaim for when a cached one may be used).
  const claims = new Map<string, string>();
  const rememberClaim = (groupKey: string, incidentId: string) => {
    claims.delete(groupKey);
    claims.set(groupKey, incidentId);
    if (claims.size > 10_000) claims.delete(claims.keys().next().value as string);
  };

  // Incidents this process last read or wrote, newest used last (see IncidentStore.get's `cached`).
  // `at`: when the store last confirmed it (a read or a write), which `maxAgeMs` is measured from.
  const cache = new Map<string, { incident: Incident; chars: number; at: number }>();
  let cachedChars = 0;
  const remember = (incident: Incident, confirmed = false) => {
    const previous = cache.get(incident.id);
    const at = confirmed || !previous ? (confirmed ? clock.now().getTime() : 0) : previous.at;
    if (previous) {
      cachedChars -= previous.chars;
      cache.delete(incident.id);
    }
    // An estimate of its size (its alerts are most of it): JSON of the whole would cost more than it saves.
    const chars = 2000 + Object.keys(incident.alerts).length * 600;
    cache.set(incident.id, { incident, chars, at });
    cachedChars += chars;
    while (cache.size > CACHE_ENTRIES || cachedChars > CACHE_CHARS) {
      const [oldest, entry] = cache.entries().next().value as [string, { chars: number }];
      cache.delete(oldest);
      cachedChars -= entry.chars;
    }
  };
  const forget = (id: string) => {
    const entry = cache.get(id);
    if (!entry) return;
    cachedChars -= entry.chars;
    cache.delete(id);
  };

  // Ids allocated and not used (a lost claim): handed out again before the counter moves on.
  const spareIds: string[] = [];

  return {
    remember: (incident) => remember(incident),

    async releaseId(id) {
      // Back to the counter if nobody took a number since (no gap, no number out of order);
      // otherwise this process hands it out next.
      const n = idNumber(id);
      try {
        await storeCall(
          doc.send(
            new UpdateCommand({
              TableName: CounterTable,
              Key: { pk: COUNTER_KEY },
              UpdateExpression: 'SET #value = #value - :one',
              ConditionExpression: '#value = :n',
              ExpressionAttributeNames: { '#value': 'value' },
              ExpressionAttributeValues: { ':one': 1, ':n': n },
            }),
          ),
        );
      } catch {
        spareIds.push(id);
      }
    },

    knownClaim(groupKey) {
      const incidentId = claims.get(groupKey);
      return incidentId === undefined ? undefined : { groupKey, incidentId };
    },

    async nextId() {
      const spare = spareIds.shift();
      if (spare) return spare;
      const out = await storeCall(
        doc.send(
          new UpdateCommand({
            TableName: CounterTable,
            Key: { pk: COUNTER_KEY },
            UpdateExpression: 'ADD #value :one',
            ExpressionAttributeNames: { '#value': 'value' },
            ExpressionAttributeValues: { ':one': 1 },
            ReturnValues: 'UPDATED_NEW',
          }),
        ),
      );
      return formatIncidentId(Number(out.Attributes?.['value']));
    },

    async getClaim(groupKey, options) {
      const known = options?.cached ? claims.get(groupKey) : undefined;
      if (known) return { groupKey, incidentId: known };
      const out = await storeCall(doc.send(new GetCommand({ TableName, Key: { pk: claimKey(groupKey) }, ConsistentRead: true })));
      const incidentId = out.Item?.['incidentId'];
      if (typeof incidentId !== 'string') return undefined;
      rememberClaim(groupKey, incidentId);
      return { groupKey, incidentId };
    },

    async putClaim(claim: GroupClaim, previousIncidentId: string | undefined) {
      claims.delete(claim.groupKey);
      // No groupKey/openedAt/status on a claim: it must not show up in the incident indexes.
      await storeCall(
        doc.send(
          new PutCommand({
            TableName,
            Item: { pk: claimKey(claim.groupKey), incidentId: claim.incidentId, itemType: 'claim' },
            ...(previousIncidentId === undefined
              ? { ConditionExpression: 'attribute_not_exists(pk)' }
              : { ConditionExpression: 'incidentId = :prev', ExpressionAttributeValues: { ':prev': previousIncidentId } }),
          }),
        ),
      );
      rememberClaim(claim.groupKey, claim.incidentId);
    },

    async get(id, options) {
      const known = options?.cached ? cache.get(id) : undefined;
      if (known && (options?.maxAgeMs === undefined || clock.now().getTime() - known.at <= options.maxAgeMs)) return known.incident;
      const out = await storeCall(doc.send(new GetCommand({ TableName, Key: { pk: id }, ConsistentRead: true })));
      if (out.Item?.['itemType'] !== 'incident') return undefined;
      const incident = fromItem(out.Item);
      remember(incident, true);
      return incident;
    },

    async create(incident) {
      const stored: Incident = { ...incident, version: 1 };
      await storeCall(doc.send(new PutCommand({ TableName, Item: toItem(stored), ConditionExpression: 'attribute_not_exists(pk)' })));
      remember(stored, true);
      return stored;
    },

    async update(incident) {
      const stored: Incident = { ...incident, version: incident.version + 1 };
      // A whole-item put, so fields the caller deleted (resolvedAt on reopen) are gone in the store too.
      await storeCall(
        doc.send(
          new PutCommand({
            TableName,
            Item: toItem(stored),
            ConditionExpression: '#version = :expected',
            ExpressionAttributeNames: { '#version': 'version' },
            ExpressionAttributeValues: { ':expected': incident.version },
          }),
        ),
      ).catch((err: unknown) => {
        // Someone else wrote it: what this process remembers is out of date.
        forget(incident.id);
        throw err;
      });
      remember(stored, true);
      return stored;
    },

    async list(filter: { status?: IncidentStatus[]; limit?: number } = {}) {
      const limit = filter.limit ?? DEFAULT_LIST_LIMIT;
      let items: Record<string, unknown>[];
      if (filter.status) {
        const perStatus = await Promise.all(
          filter.status.map((status) =>
            queryAll(
              doc,
              {
                TableName,
                IndexName: 'byStatus',
                KeyConditionExpression: '#status = :status',
                ExpressionAttributeNames: { '#status': 'status' },
                ExpressionAttributeValues: { ':status': status },
                ScanIndexForward: false,
                Limit: limit,
              },
              limit,
            ),
          ),
        );
        // The index holds keys only (an incident is rewritten whole on every alert, and an index
        // holding all of it would be written as often): the incidents themselves are read by key.
        // Only the newest `limit` of all statuses are read (the index entries carry openedAt). One
        // may have moved on since the index was read, so the status is checked again.
        const wanted = new Set<string>(filter.status);
        const keys = perStatus
          .flat()
          .map((entry) => ({ id: entry['pk'] as string, openedAt: entry['openedAt'] as string }))
          .sort(newestFirst)
          .slice(0, limit)
          .map(({ id }) => ({ pk: id }));
        items = (await batchGetAll(doc, TableName, keys)).filter((item) => item['itemType'] === 'incident' && wanted.has(item['status'] as string));
      } else {
        // No index covers "all incidents"; a Scan is fine for the list an operator asks for.
        items = await scanAll(doc, {
          TableName,
          FilterExpression: 'itemType = :incident',
          ExpressionAttributeValues: { ':incident': 'incident' },
        });
      }
      return items.map(fromItem).sort(newestFirst).slice(0, limit);
    },
  };
}
