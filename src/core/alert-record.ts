import type { Alert, AlertSource, AlertStatus } from './alert.js';
import type { AuditRecord } from './audit.js';

/**
 * What an `alert.received` record keeps of its alert: all of it (bounded by ingestion), so the
 * incident can be rebuilt from the trail. The webhook answers once this record is stored; the
 * incident item catches up from the trail ("folds" it) right after.
 */
export interface AlertOfRecord {
  source: AlertSource;
  groupKey: string;
  name: string;
  status: AlertStatus;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
  endsAt?: string;
  generatorURL?: string;
  service?: string;
  resource?: string;
  channel?: string;
}

export function alertOfRecordFields(alert: Alert): AlertOfRecord {
  const out: AlertOfRecord = { source: alert.source, groupKey: alert.groupKey, name: alert.name, status: alert.status, labels: alert.labels, annotations: alert.annotations, startsAt: alert.startsAt };
  if (alert.endsAt) out.endsAt = alert.endsAt;
  if (alert.generatorURL) out.generatorURL = alert.generatorURL;
  if (alert.service) out.service = alert.service;
  if (alert.resource) out.resource = alert.resource;
  if (alert.channel) out.channel = alert.channel;
  return out;
}

/** The alert an `alert.received` record carries; undefined for other records and older ones that kept less. */
export function alertOfRecord(record: AuditRecord): Alert | undefined {
  if (record.kind !== 'alert.received') return undefined;
  const d = record.details ?? {};
  const a = d.alert as AlertOfRecord | undefined;
  if (!a || typeof d.fingerprint !== 'string') return undefined;
  return { ...a, fingerprint: d.fingerprint, severity: String(d.severity ?? 'warning'), summary: String(d.summary ?? '') };
}
