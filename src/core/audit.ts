import { createHash } from 'node:crypto';
import { canonicalJson } from './canonical-json.js';

export type AuditOutcome = 'SUCCESS' | 'FAILURE' | 'SKIPPED';

/** What a step supplies; the audit store adds auditId, seq, timestamp and the hash chain. */
export interface AuditEntry {
  incidentId: string;
  kind: string;
  /** A key unique to this step (e.g. `approve:<proposal>:<user>`), so a retried step writes once. */
  stepKey: string;
  trigger: string;
  outcome: AuditOutcome;
  operator: string;
  authority?: string;
  alertname?: string;
  runbook?: string;
  targetResource?: string;
  action?: string;
  rollbackPlan?: string;
  executionId?: string;
  details?: Record<string, unknown>;
}

export interface AuditRecord extends AuditEntry {
  auditId: string;
  seq: number;
  timestamp: string;
  prevHash: string;
  hash: string;
}

export const GENESIS_HASH = '0'.repeat(64);

export function auditIdFor(incidentId: string, stepKey: string): string {
  return createHash('sha256').update(`${incidentId}\u0000${stepKey}`).digest('hex').slice(0, 32);
}

/** The hash covers every field but `hash` itself, including `prevHash`: that is the chain. */
export function hashAuditRecord(record: Omit<AuditRecord, 'hash'>): string {
  return createHash('sha256').update(canonicalJson(record)).digest('hex');
}

export type ChainVerdict =
  | { intact: true; records: number }
  | { intact: false; records: number; brokenAt: number; reason: string };

/** Checks seq continuity, each prevHash link and each record's own hash. */
export function verifyChain(records: readonly AuditRecord[]): ChainVerdict {
  const sorted = [...records].sort((a, b) => a.seq - b.seq);
  let prev = GENESIS_HASH;
  for (let i = 0; i < sorted.length; i++) {
    const r = sorted[i] as AuditRecord;
    if (r.seq !== i + 1) return { intact: false, records: sorted.length, brokenAt: i + 1, reason: `record seq ${i + 1} is missing` };
    if (r.prevHash !== prev) return { intact: false, records: sorted.length, brokenAt: r.seq, reason: `record ${r.seq} does not link to record ${r.seq - 1}` };
    const { hash, ...rest } = r;
    if (hashAuditRecord(rest) !== hash) return { intact: false, records: sorted.length, brokenAt: r.seq, reason: `record ${r.seq} was modified after it was written` };
    prev = hash;
  }
  return { intact: true, records: sorted.length };
}
