import type { AuditEntry, AuditRecord } from '../core/audit.js';
import type { AuditStore, Clock } from './ports.js';
import type { Metrics } from './metrics.js';

export type AuditListener = (record: AuditRecord) => void;

/** Appends audit records and tells listeners (the thread, the live SSE stream) about new ones. */
export interface AuditLog {
  record(entry: AuditEntry): Promise<AuditRecord>;
  subscribe(listener: AuditListener): () => void;
}

export function createAuditLog({ store, metrics, clock }: { store: AuditStore; metrics: Metrics; clock: Clock }): AuditLog {
  const listeners = new Set<AuditListener>();
  return {
    async record(entry) {
      const started = clock.now().getTime();
      let ok = false;
      try {
        const { record, created } = await store.append(entry);
        ok = true;
        // A retried step returns the record already written: listeners heard of it the first time.
        if (created) for (const listener of listeners) listener(record);
        return record;
      } finally {
        metrics.auditWrite((clock.now().getTime() - started) / 1000, ok);
      }
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}
