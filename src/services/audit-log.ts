import type { AuditEntry, AuditRecord } from '../core/audit.js';
import type { AuditStore, Clock } from './ports.js';
import type { Metrics } from './metrics.js';

export type AuditListener = (record: AuditRecord) => void;

/** Appends audit records and tells listeners (the thread, the live SSE stream) about new ones. */
export interface AuditLog {
  record(entry: AuditEntry): Promise<AuditRecord>;
  /** Like record, and says whether this call wrote it (false: a retried step found it written). */
  append(entry: AuditEntry): Promise<{ record: AuditRecord; created: boolean }>;
  subscribe(listener: AuditListener): () => void;
  /** Reads records back (the store's query), for decisions that depend on earlier steps. */
  query: AuditStore['query'];
  /** The records of one incident after a seq (the store's `after`). */
  after: AuditStore['after'];
  /** The store's `beginChain`: a new incident's chain is empty. */
  beginChain: AuditStore['beginChain'];
}

export function createAuditLog({ store, metrics, clock }: { store: AuditStore; metrics: Metrics; clock: Clock }): AuditLog {
  const listeners = new Set<AuditListener>();
  async function append(entry: AuditEntry): Promise<{ record: AuditRecord; created: boolean }> {
    const started = clock.now().getTime();
    let ok = false;
    try {
      const result = await store.append(entry);
      ok = true;
      // A retried step returns the record already written: listeners heard of it the first time.
      if (result.created) for (const listener of listeners) listener(result.record);
      return result;
    } finally {
      metrics.auditWrite((clock.now().getTime() - started) / 1000, ok);
    }
  }
  return {
    append,
    query: (q) => store.query(q),
    after: (incidentId, seq, max) => store.after(incidentId, seq, max),
    beginChain: (incidentId) => store.beginChain(incidentId),
    async record(entry) {
      return (await append(entry)).record;
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}
