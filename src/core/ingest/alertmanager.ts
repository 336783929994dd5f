import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { Alert } from '../alert.js';
import { hashFingerprint, fingerprintSchema } from './fingerprint.js';
import { annotationsSchema, firstLabelValue, labelSetSchema, labelValue, slackChannelFromLabels } from './labels.js';
import type { IngestResult } from './result.js';
import { timestampSchema } from './timestamp.js';
import { validationFailure } from './validation-error.js';

/** Alertmanager's "not set" time: firing alerts carry it as `endsAt`. */
const ZERO_TIME = '0001-01-01T00:00:00Z';

const alertmanagerAlertSchema = z.object({
  status: z.enum(['firing', 'resolved']),
  labels: labelSetSchema.superRefine((labels, ctx) => {
    if (labelValue(labels, 'alertname') === undefined) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['alertname'], message: 'required: every alert needs a non-empty alertname label' });
    }
  }),
  annotations: annotationsSchema.default({}),
  startsAt: timestampSchema,
  endsAt: timestampSchema.optional(),
  generatorURL: z.string().optional(),
  fingerprint: fingerprintSchema.optional(),
});

/**
 * The parts of an Alertmanager webhook (payload version 4) we rely on. Fields we do not use
 * (receiver, groupLabels, commonLabels, externalURL, ...) are not checked: refusing a payload is
 * final, because Alertmanager does not retry 4xx, so only what would make the alerts unusable is.
 * No count limit: a large group is a real outage, and the incident keeps its alerts in bounded
 * form (see DETAILED_ALERT_BYTES in incident.ts); the body limit bounds memory.
 */
const alertmanagerPayloadSchema = z.object({
  version: z.literal('4'),
  groupKey: z.string().min(1),
  alerts: z.array(alertmanagerAlertSchema).min(1),
  /**
   * Alerts left out by `max_alerts`: they may still fire, so the incident must not resolve. A value
   * that is not a count is read as "cannot say" rather than refused, which would lose the group.
   */
  truncatedAlerts: z.unknown().transform((v) => (typeof v === 'number' && Number.isInteger(v) && v >= 0 ? v : undefined)),
});

type AlertmanagerAlert = z.infer<typeof alertmanagerAlertSchema>;

/**
 * Parses an Alertmanager webhook body into normalised alerts, one per alert in the group, all
 * sharing the group's key so they land in one incident. Pure: a redelivery yields equal alerts.
 */
export function parseAlertmanagerPayload(body: unknown): IngestResult {
  const parsed = alertmanagerPayloadSchema.safeParse(body);
  if (!parsed.success) return validationFailure(parsed.error);
  const groupKey = boundedGroupKey(`alertmanager:${parsed.data.groupKey}`);
  const omitted = parsed.data.truncatedAlerts;
  return { ok: true, alerts: parsed.data.alerts.map((alert) => toAlert(alert, groupKey, omitted)) };
}

function toAlert(alert: AlertmanagerAlert, groupKey: string, omittedFromGroup: number | undefined): Alert {
  const { labels, annotations } = alert;
  // The schema refused alerts without one; the fallback only satisfies the type checker.
  const name = labelValue(labels, 'alertname') ?? '';
  const service = firstLabelValue(labels, ['service', 'job']);
  const resource = firstLabelValue(labels, ['instance_id', 'instance', 'resource']);
  const channel = slackChannelFromLabels(labels);
  return {
    source: 'alertmanager',
    groupKey,
    // Alertmanager's own fingerprint is a hash of the label set; ours is the same idea for senders that omit it.
    fingerprint: alert.fingerprint || hashFingerprint(labels),
    name,
    status: alert.status,
    severity: labelValue(labels, 'severity') ?? 'warning',
    ...(service !== undefined && { service }),
    ...(resource !== undefined && { resource }),
    summary: labelValue(annotations, 'summary') ?? labelValue(annotations, 'description') ?? name,
    labels,
    annotations,
    startsAt: alert.startsAt,
    ...(alert.endsAt !== undefined && alert.endsAt !== ZERO_TIME && { endsAt: alert.endsAt }),
    ...(alert.generatorURL && { generatorURL: alert.generatorURL }),
    ...(channel !== undefined && { channel }),
    ...(omittedFromGroup !== undefined && { omittedFromGroup }),
  };
}

/**
 * Alertmanager group keys grow with the grouping labels; DynamoDB keys (and index keys) stop at
 * 2,048 bytes. Long keys are replaced by a digest, which keeps grouping exact.
 */
export function boundedGroupKey(groupKey: string): string {
  if (Buffer.byteLength(groupKey) <= 512) return groupKey;
  return `alertmanager:sha256:${createHash('sha256').update(groupKey).digest('hex')}`;
}
