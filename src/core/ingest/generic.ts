import { z } from 'zod';
import type { Alert } from '../alert.js';
import { fingerprintSchema, hashFingerprint } from './fingerprint.js';
import { labelSetSchema, MAX_LABEL_VALUE_LENGTH, slackChannelFromLabels } from './labels.js';
import type { IngestResult } from './result.js';
import { validationFailure } from './validation-error.js';

/** These fields are copied into labels, so they obey the label value limit. */
const labelLike = z.string().min(1).max(MAX_LABEL_VALUE_LENGTH);

/** `POST /alerts/generic` (DESIGN §2.3). */
const genericAlertSchema = z.object({
  source: z.string().min(1).max(64).optional(),
  name: labelLike,
  severity: labelLike,
  service: labelLike,
  resource: labelLike.optional(),
  summary: z.string().min(1),
  status: z.enum(['firing', 'resolved']),
  labels: labelSetSchema.default({}),
  fingerprint: fingerprintSchema.optional(),
});

/**
 * Parses a generic webhook alert. Its incident is keyed by its fingerprint: the one given, or a
 * hash of (source, name, service, resource), so repeats of one problem join one incident.
 *
 * @param nowIso receipt time, used as `startsAt` (and `endsAt` when resolved): the sender gives none,
 *   and core has no clock.
 */
export function parseGenericAlert(body: unknown, nowIso: string): IngestResult {
  const parsed = genericAlertSchema.safeParse(body);
  if (!parsed.success) return validationFailure(parsed.error);
  const { source, name, severity, service, resource, summary, status } = parsed.data;
  const fingerprint = parsed.data.fingerprint || hashFingerprint({ source: source ?? 'generic', name, service, resource });
  // The named fields win over same-named labels, and are copied into labels so runbooks match
  // generic alerts with the same `alertname`/`service` rules they use for Alertmanager ones.
  const labels: Record<string, string> = {
    ...parsed.data.labels,
    alertname: name,
    service,
    severity,
    ...(resource !== undefined && { resource }),
    // Alert.source must be one of ours; the sender's own name for itself is kept as a label.
    ...(source !== undefined && { source }),
  };
  const channel = slackChannelFromLabels(labels);
  const alert: Alert = {
    source: 'generic',
    groupKey: `generic:${fingerprint}`,
    fingerprint,
    name,
    status,
    severity,
    service,
    ...(resource !== undefined && { resource }),
    summary,
    labels,
    annotations: { summary },
    startsAt: nowIso,
    ...(status === 'resolved' && { endsAt: nowIso }),
    ...(channel !== undefined && { channel }),
  };
  return { ok: true, alerts: [alert] };
}
