import type { z } from 'zod';
import type { Alert } from '../alert.js';
import { hashFingerprint } from './fingerprint.js';
import { isReservedKey, MAX_LABEL_VALUE_LENGTH } from './labels.js';
import { validationFailure } from './validation-error.js';
import type { ValidationFailure } from './validation-error.js';

/** The validated envelope of an EventBridge event. */
export interface EventEnvelope {
  id: string;
  'detail-type': string;
  source: string;
  account: string;
  time: string;
  region: string;
  resources: string[];
  detail: Record<string, unknown>;
}

/** What one event's parser found: alerts, or none and why. */
export type Normalised = { ok: true; alerts: Alert[]; ignored?: string };

export interface AlertFacts {
  /** What identifies the problem across redeliveries and repeats: it becomes the incident's key. */
  identity: Record<string, unknown>;
  name: string;
  status: 'firing' | 'resolved';
  severity: string;
  summary: string;
  description?: string;
  resource?: string;
  /** Labels beside the envelope's (account, region, event_source, detail_type), which they may override; empty values are dropped. */
  labels: Record<string, string | number | boolean | undefined | null>;
  /** When the problem was seen; the event's time when the source says nothing better. */
  at?: string;
}

/** The alert for one fact of one event. One incident per identity: a repeat of the finding joins it. */
export function eventAlert(event: EventEnvelope, facts: AlertFacts): Alert {
  const fingerprint = hashFingerprint({ source: 'eventbridge', ...facts.identity });
  const labels: Record<string, string> = {};
  const all = { account: event.account, region: event.region, event_source: event.source, detail_type: event['detail-type'], ...facts.labels, alertname: facts.name, severity: facts.severity };
  for (const [key, value] of Object.entries(all)) {
    if (value === undefined || value === null || value === '' || isReservedKey(key)) continue;
    // The schemas bound what they read; a long free-text value is cut rather than refusing the event.
    labels[key] = String(value).slice(0, MAX_LABEL_VALUE_LENGTH);
  }
  const startsAt = facts.at ?? event.time;
  return {
    source: 'eventbridge',
    groupKey: `eventbridge:${fingerprint}`,
    fingerprint,
    name: facts.name,
    status: facts.status,
    severity: facts.severity,
    ...(facts.resource ? { resource: facts.resource } : {}),
    summary: facts.summary,
    labels,
    annotations: { summary: facts.summary, ...(facts.description ? { description: facts.description.slice(0, 4000) } : {}) },
    startsAt,
    ...(facts.status === 'resolved' ? { endsAt: event.time } : {}),
  };
}

/** Parses `detail` with `schema`; a failure names the field under `detail.`. */
export function parseDetail<T extends z.ZodTypeAny>(event: EventEnvelope, schema: T): { ok: true; detail: z.output<T> } | ValidationFailure {
  const parsed = schema.safeParse(event.detail);
  if (parsed.success) return { ok: true, detail: parsed.data };
  const failure = validationFailure(parsed.error);
  return { ok: false, field: `detail.${failure.field}`, message: `detail.${failure.message}` };
}

/** A GuardDuty-style 0–10 score as a severity: 9.0+ critical, 7.0–8.9 high, 4.0–6.9 medium, below low. */
export function severityFromScore(score: number): 'critical' | 'high' | 'medium' | 'low' {
  if (score >= 9) return 'critical';
  if (score >= 7) return 'high';
  if (score >= 4) return 'medium';
  return 'low';
}
