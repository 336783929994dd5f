import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { GENESIS_HASH, auditIdFor, hashAuditRecord } from '../../core/audit.js';
import type { AuditEntry, AuditRecord } from '../../core/audit.js';
import type { AuditKey, AuditQuery, AuditStore } from '../../services/ports.js';
import { ConflictError, systemClock } from '../../services/ports.js';
import { storeCall } from './dynamo-client.js';
import { matchesAuditQuery, resultSize } from './audit-query.js';
import { batchGetAll, queryAll, scanAll } from './paginate.js';
import type { DynamoStoreOptions } from './store-options.js';
import { tableNames } from './tables.js';

const MAX_APPEND_ATTEMPTS = 20;
/** Incidents whose chain tail is kept in memory, and records kept per tail for spotting retries. */
const MAX_TAILS = 2000;
const TAIL_RECENT = 200;
/** How far back a retried step is looked for; retries happen within seconds, not 100 steps later. */
const RECENT_WINDOW = 100;

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * The record as DynamoDB will give it back: undefined fields gone, Dates and other class
 * instances as JSON. Hashing anything else would make verifyChain fail on an honest record.
 */
function asStored<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

/**
 * The time index's partition key: the record's UTC hour. Kept on the item only (not in the record
 * the hash covers, not in what readers get): it is how the store finds records by time, nothing more.
 */
const HOUR = 'timeBucket';
const hourOf = (timestamp: string) => timestamp.slice(0, 13);
const HOUR_MS = 3_600_000;

function toItem(record: AuditRecord): Record<string, unknown> {
  return { ...record, [HOUR]: hourOf(record.timestamp) };
}

/**
 * A step's marker: an item in the incident's partition at a negative seq derived from the step's
 * auditId (48 bits of it), holding the seq of the step's record. Records are at seq 1 and up, so
 * every read of records (`seq > 0`) passes markers by. The marker is what makes a step recorded
 * once however long after it is tried again (a reconciler pass over an incident with thousands of
 * records since), where the recent window alone would not see it.
 */
function markerSeq(auditId: string): number {
  return -(Number.parseInt(auditId.slice(0, 12), 16) + 1);
}

/**
 * Alert records are the one kind written per alert, on the webhook's path; their idempotency is
 * the incident's (an alert the incident already holds is not recorded again), so they go without
 * a marker and cost one write.
 */
const UNMARKED_KINDS = new Set<string>(['alert.received']);

function fromItem(item: Record<string, unknown>): AuditRecord {
  const { [HOUR]: _hour, ...record } = item;
  return record as unknown as AuditRecord;
}

function byTimestampThenSeq(a: AuditRecord | AuditKey, b: AuditRecord | AuditKey): number {
  if (a.timestamp !== b.timestamp) return a.timestamp < b.timestamp ? -1 : 1;
  if (a.incidentId !== b.incidentId) return a.incidentId < b.incidentId ? -1 : 1;
  return a.seq - b.seq;
}

/**
 * The append-only audit trail: one partition per incident, one hash chain per partition. Appends
 * race on the next seq with `attribute_not_exists(seq)`; the loser re-reads the tail and tries the
 * seq after. Records are never updated, so an edit or a gap shows up in verifyChain.
 */
/**
 * The newest record this process knows of an incident's chain, and the seq of its recent steps by
 * auditId: only the seq, since a retried step is rare and its record can be read back by key, and
 * whole records of every open incident would be most of the bot's memory after an alert storm.
 */
interface Tail {
  /** Undefined for a chain known to be empty (its incident was just created). */
  last: AuditRecord | undefined;
  recent: Map<string, number>;
  /**
   * True while `recent` holds every step of the chain: it was begun empty in this process and
   * nothing has been evicted or learnt from a read. A step not in a complete tail is new for sure,
   * so its marker need not be looked up.
   */
  complete: boolean;
}

export function createDynamoAuditStore({ doc, prefix, clock = systemClock }: DynamoStoreOptions): AuditStore {
  const TableName = tableNames(prefix).audit;
  // The chain tail per incident, so an append is one conditional put instead of a read and a put.
  // It is only ever a guess: the put is conditional on its seq, and any surprise (another replica
  // wrote first, an error) drops the guess and takes the read path, which is the source of truth.
  const tails = new Map<string, Tail>();
  /** The last append queued per incident, so this process appends to one chain one step at a time. */
  const appending = new Map<string, Promise<void>>();

  function remember(incidentId: string, records: readonly AuditRecord[]): void {
    const newest = records.reduce<AuditRecord | undefined>((a, r) => (!a || r.seq > a.seq ? r : a), undefined);
    if (!newest) return;
    const tail = tails.get(incidentId) ?? { last: newest, recent: new Map<string, number>(), complete: false };
    tails.delete(incidentId);
    tails.set(incidentId, tail);
    if (newest.seq >= (tail.last?.seq ?? 0)) tail.last = newest;
    for (const r of records) tail.recent.set(r.auditId, r.seq);
    while (tail.recent.size > TAIL_RECENT) {
      tail.recent.delete(tail.recent.keys().next().value as string);
      tail.complete = false;
    }
    while (tails.size > MAX_TAILS) tails.delete(tails.keys().next().value as string);
  }

  function nextRecord(entry: AuditEntry, auditId: string, last: AuditRecord | undefined): AuditRecord {
    const unsigned = asStored<Omit<AuditRecord, 'hash'>>({
      ...entry,
      auditId,
      seq: last ? last.seq + 1 : 1,
      timestamp: clock.now().toISOString(),
      prevHash: last ? last.hash : GENESIS_HASH,
    });
    return { ...unsigned, hash: hashAuditRecord(unsigned) };
  }

  /**
   * Puts the record at its seq. true: written, and remembered as the tail; false: that seq was taken
   * (someone else appended first). On false or any error the remembered tail is dropped.
   */
  async function write(record: AuditRecord): Promise<boolean> {
    try {
      await storeCall(doc.send(new PutCommand({ TableName, Item: toItem(record), ConditionExpression: 'attribute_not_exists(seq)' })));
      remember(record.incidentId, [record]);
      if (!UNMARKED_KINDS.has(record.kind)) {
        await storeCall(doc.send(new PutCommand({ TableName, Item: { incidentId: record.incidentId, seq: markerSeq(record.auditId), auditId: record.auditId, recordSeq: record.seq } })));
      }
      return true;
    } catch (err) {
      tails.delete(record.incidentId);
      if (err instanceof ConflictError) return false;
      throw err;
    }
  }

  /** The record at `seq` if it is the step `auditId`. */
  async function recordAt(incidentId: string, seq: number, auditId: string): Promise<AuditRecord | undefined> {
    const out = await storeCall(doc.send(new GetCommand({ TableName, Key: { incidentId, seq }, ConsistentRead: true })));
    const record = out.Item ? fromItem(out.Item) : undefined;
    return record?.auditId === auditId ? record : undefined;
  }

  /** The step's record if its marker says it was written (by any process, however long ago). */
  async function markedRecord(entry: AuditEntry, auditId: string): Promise<AuditRecord | undefined> {
    const out = await storeCall(doc.send(new GetCommand({ TableName, Key: { incidentId: entry.incidentId, seq: markerSeq(auditId) }, ConsistentRead: true })));
    const marker = out.Item;
    if (marker?.['auditId'] !== auditId) return undefined;
    return recordAt(entry.incidentId, Number(marker['recordSeq']), auditId);
  }

  /** The fast path: a step this process already wrote, or one put after the remembered tail. */
  async function appendAfterTail(entry: AuditEntry, auditId: string): Promise<{ record: AuditRecord; created: boolean } | undefined> {
    const tail = tails.get(entry.incidentId);
    if (!tail) return undefined;
    const knownSeq = tail.recent.get(auditId);
    if (knownSeq !== undefined) {
      const known = await recordAt(entry.incidentId, knownSeq, auditId);
      // Anything but that step at that seq: take the read path, the source of truth.
      return known ? { record: known, created: false } : undefined;
    }
    const record = nextRecord(entry, auditId, tail.last);
    return (await write(record)) ? { record, created: true } : undefined;
  }

  async function partition(incidentId: string, newestFirst: boolean, max?: number, afterSeq = 0): Promise<AuditRecord[]> {
    const items = await queryAll(
      doc,
      {
        TableName,
        // Records only: step markers sit at negative seqs.
        KeyConditionExpression: 'incidentId = :incidentId AND seq > :after',
        ExpressionAttributeValues: { ':incidentId': incidentId, ':after': Math.max(0, afterSeq) },
        ScanIndexForward: !newestFirst,
        ConsistentRead: true,
        ...(max ? { Limit: max } : {}),
      },
      max,
    );
    return items.map(fromItem);
  }

  /** One hour's keys at or after `since`; an audit table created before the time index has none to give. */
  let indexMissing = false;
  async function hourKeys(hour: string, since: string): Promise<AuditKey[]> {
    if (indexMissing) return [];
    try {
      const items = await queryAll(doc, {
        TableName,
        IndexName: 'byTime',
        KeyConditionExpression: '#hour = :hour AND #ts >= :since',
        ExpressionAttributeNames: { '#hour': HOUR, '#ts': 'timestamp' },
        ExpressionAttributeValues: { ':hour': hour, ':since': since },
      });
      return items.map((i) => ({ incidentId: String(i.incidentId), seq: Number(i.seq), timestamp: String(i.timestamp) }));
    } catch (err) {
      if ((err as { name?: string }).name !== 'ValidationException') throw err;
      indexMissing = true;
      return [];
    }
  }

  /** One append, with the incident's earlier appends in this process already done. */
  async function appendNow(entry: AuditEntry): Promise<{ record: AuditRecord; created: boolean }> {
    const auditId = auditIdFor(entry.incidentId, entry.stepKey);
    // Whether the step's marker is still to be looked up: not for alert records, nor for a step
    // the tail knows, nor when the tail knows every step of the chain (until a write says otherwise).
    let unsure = !UNMARKED_KINDS.has(entry.kind);
    const known = tails.get(entry.incidentId);
    if (unsure && !known?.recent.has(auditId) && !known?.complete) {
      unsure = false;
      const marked = await markedRecord(entry, auditId);
      if (marked) return { record: marked, created: false };
    }
    const fast = await appendAfterTail(entry, auditId);
    if (fast) return fast;
    for (let attempt = 1; attempt <= MAX_APPEND_ATTEMPTS; attempt++) {
      const recent = await partition(entry.incidentId, true, RECENT_WINDOW);
      remember(entry.incidentId, recent);
      // Learnt from a read: other writers exist, or the tail was wrong; it no longer knows every step.
      const tail = tails.get(entry.incidentId);
      if (tail) tail.complete = false;
      const already = recent.find((r) => r.auditId === auditId);
      if (already) return { record: already, created: false };
      if (unsure) {
        unsure = false;
        const marked = await markedRecord(entry, auditId);
        if (marked) return { record: marked, created: false };
      }
      const record = nextRecord(entry, auditId, recent[0]);
      if (await write(record)) return { record, created: true };
      // Another writer took this seq. Jittered backoff, so a burst of writers spreads out instead
      // of colliding on every next seq in lockstep.
      await sleep(Math.random() * Math.min(200, 5 * 2 ** attempt));
    }
    throw new ConflictError(`audit append for ${entry.incidentId} (${entry.stepKey}) lost the race ${MAX_APPEND_ATTEMPTS} times; try again`);
  }

  return {
    append(entry: AuditEntry): Promise<{ record: AuditRecord; created: boolean }> {
      // One append at a time per incident in this process: concurrent steps of one incident (the
      // webhook, its processing, a click) would otherwise race each other for the same seq, lose,
      // and pay a read of the chain each time. Other replicas still race, and the seq condition wins.
      const previous = appending.get(entry.incidentId) ?? Promise.resolve();
      const next = previous.then(() => appendNow(entry));
      const settled = next.then(
        () => undefined,
        () => undefined,
      );
      appending.set(entry.incidentId, settled);
      void settled.then(() => {
        if (appending.get(entry.incidentId) === settled) appending.delete(entry.incidentId);
      });
      return next;
    },

    async query(q: AuditQuery) {
      // Filters run here, not as a FilterExpression: `contains` is case-insensitive over the whole
      // record, which DynamoDB cannot express, and one code path keeps the semantics in one place.
      const items = q.incident ? await partition(q.incident, false) : ((await scanAll(doc, { TableName })).filter((i) => Number(i.seq) > 0) as unknown as AuditRecord[]);
      return items
        .map((r) => (HOUR in r ? fromItem(r as unknown as Record<string, unknown>) : r))
        .filter((r) => matchesAuditQuery(r, q))
        .sort(byTimestampThenSeq)
        .slice(-resultSize(q.n));
    },

    chain(incidentId) {
      return partition(incidentId, false);
    },

    beginChain(incidentId) {
      if (!tails.has(incidentId)) tails.set(incidentId, { last: undefined, recent: new Map(), complete: true });
    },

    after(incidentId, seq, max) {
      return partition(incidentId, false, max, seq);
    },

    async feed(since) {
      const from = Date.parse(since);
      const until = clock.now().getTime() + HOUR_MS; // a writer's clock may run ahead of ours
      const keys: AuditKey[] = [];
      for (let t = Math.floor(from / HOUR_MS) * HOUR_MS; t <= until; t += HOUR_MS) keys.push(...(await hourKeys(new Date(t).toISOString().slice(0, 13), since)));
      return keys.sort(byTimestampThenSeq);
    },

    async byKeys(keys) {
      // BatchGetItem refuses a request that names one key twice.
      const unique = new Map(keys.map((k) => [`${k.incidentId}:${k.seq}`, { incidentId: k.incidentId, seq: k.seq }]));
      const items = await batchGetAll(doc, TableName, [...unique.values()]);
      const found = new Map(items.map((item) => [`${String(item.incidentId)}:${Number(item.seq)}`, fromItem(item)]));
      return keys.map((k) => found.get(`${k.incidentId}:${k.seq}`)).filter((r): r is AuditRecord => r !== undefined);
    },
  };
}
