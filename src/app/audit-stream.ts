import type { Logger } from 'pino';
import { createAuditStreamHub } from '../services/audit-stream-hub.js';
import type { AuditStreamHub, AuditStreamHubTuning } from '../services/audit-stream-hub.js';
import type { AuditLog } from '../services/audit-log.js';
import type { Metrics } from '../services/metrics.js';
import type { AuditStore, Clock } from '../services/ports.js';

/**
 * The live audit stream's hub: it reads every replica's records from the store's time index, and
 * takes this replica's own as they are written so it need not read them back.
 */
export function startAuditStream(options: { store: AuditStore; auditLog: AuditLog; clock: Clock; log: Logger; metrics: Metrics; tuning?: AuditStreamHubTuning }): { hub: AuditStreamHub; close(): void } {
  const hub = createAuditStreamHub({
    store: options.store,
    clock: options.clock,
    log: options.log.child({ component: 'audit-stream' }),
    metrics: options.metrics,
    ...(options.tuning ? { tuning: options.tuning } : {}),
  });
  const unsubscribe = options.auditLog.subscribe((record) => hub.recorded(record));
  return {
    hub,
    close() {
      unsubscribe();
      hub.close();
    },
  };
}
