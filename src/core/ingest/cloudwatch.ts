import { z } from 'zod';
import type { Alert } from '../alert.js';
import { hashFingerprint } from './fingerprint.js';
import { isReservedKey, labelValue, MAX_LABEL_VALUE_LENGTH, MAX_LABELS } from './labels.js';
import { validationFailure } from './validation-error.js';
import type { ValidationFailure } from './validation-error.js';

/**
 * One alarm state change, whichever way it came (SNS or EventBridge). CloudWatch has three states;
 * only ALARM and OK map onto an alert. INSUFFICIENT_DATA means "cannot tell" (often the instance
 * is stopped, e.g. by our own stop/start runbook): it neither fires nor resolves, so it is kept
 * apart and only noted on an incident that is already open.
 */
export type CloudWatchResult =
  | { ok: true; kind: 'alert'; alert: Alert }
  | { ok: true; kind: 'insufficient_data'; alarm: InsufficientData }
  | ValidationFailure;

/** An INSUFFICIENT_DATA change: the alert it would have been, without a status. */
export type InsufficientData = Omit<Alert, 'status' | 'endsAt'> & { reason: string; changedAt: string };

/** Normalised alarm, before it becomes an alert. */
interface AlarmChange {
  arn: string;
  name: string;
  description?: string;
  state: 'ALARM' | 'OK' | 'INSUFFICIENT_DATA';
  reason: string;
  changedAt: string;
  account?: string;
  namespace?: string;
  metricName?: string;
  dimensions: [string, string][];
}

/** arn:<partition>:cloudwatch:<region>:<account>:alarm:<name>. CloudWatch alarm names are at most 255 characters. */
const ALARM_ARN = /^arn:(aws[a-z-]*):cloudwatch:([a-z0-9-]+):(\d{12}):alarm:(.{1,255})$/s;
const alarmArn = z.string().max(512).regex(ALARM_ARN, 'expected arn:aws:cloudwatch:<region>:<account>:alarm:<name>');
const alarmName = z.string().min(1).max(255);
const state = z.enum(['ALARM', 'OK', 'INSUFFICIENT_DATA']);

/**
 * CloudWatch writes `2025-11-23T14:05:12.345+0000` (no colon in the offset). Normalised to UTC
 * ISO form, so a redelivery compares equal and later code can parse it.
 */
const cloudWatchTime = z
  .string()
  .max(64)
  .transform((value, ctx) => {
    const m = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?)(Z|[+-]\d{2}:?\d{2})$/.exec(value);
    const offset = m?.[2] === 'Z' ? 'Z' : m?.[2]?.replace(/^([+-]\d{2}):?(\d{2})$/, '$1:$2');
    const ms = m ? Date.parse(`${m[1]}${offset}`) : Number.NaN;
    if (Number.isNaN(ms)) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, message: 'expected a timestamp like 2025-11-23T14:05:12.345+0000' });
      return z.NEVER;
    }
    return new Date(ms).toISOString();
  });

const dimensionName = z.string().min(1).max(255);
const dimensionValue = z.string().max(MAX_LABEL_VALUE_LENGTH);

/** The alarm JSON CloudWatch publishes to SNS (the notification's `Message`). Unused fields are not checked. */
const snsAlarmSchema = z.object({
  AlarmName: alarmName,
  AlarmDescription: z.string().nullish(),
  AWSAccountId: z.string().max(32).optional(),
  NewStateValue: state,
  NewStateReason: z.string().default(''),
  StateChangeTime: cloudWatchTime,
  AlarmArn: alarmArn,
  Trigger: z
    .object({
      MetricName: z.string().max(255).nullish(),
      Namespace: z.string().max(255).nullish(),
      Dimensions: z.array(z.object({ name: dimensionName, value: dimensionValue })).max(30).nullish(),
      // Metric math: the first metric with a MetricStat names the metric; dimensions of all are kept.
      Metrics: z
        .array(
          z.object({
            MetricStat: z
              .object({
                Metric: z.object({
                  MetricName: z.string().max(255).nullish(),
                  Namespace: z.string().max(255).nullish(),
                  Dimensions: z.array(z.object({ name: dimensionName, value: dimensionValue })).max(30).nullish(),
                }),
              })
              .nullish(),
          }),
        )
        .max(50)
        .nullish(),
    })
    // Composite alarms have no Trigger: the alarm rule is over other alarms, not a metric.
    .nullish(),
});

/** EventBridge's "CloudWatch Alarm State Change" event. */
const eventBridgeAlarmSchema = z.object({
  'detail-type': z.literal('CloudWatch Alarm State Change'),
  source: z.literal('aws.cloudwatch'),
  account: z.string().max(32).optional(),
  resources: z.array(alarmArn).min(1),
  detail: z.object({
    alarmName,
    state: z.object({ value: state, reason: z.string().default(''), timestamp: cloudWatchTime }),
    configuration: z
      .object({
        description: z.string().nullish(),
        metrics: z
          .array(
            z.object({
              metricStat: z
                .object({
                  metric: z.object({
                    namespace: z.string().max(255).nullish(),
                    name: z.string().max(255).nullish(),
                    dimensions: z.record(dimensionName, dimensionValue).nullish(),
                  }),
                })
                .nullish(),
            }),
          )
          .max(50)
          .nullish(),
      })
      .nullish(),
  }),
});

/** Parses an SNS notification's `Message` as a CloudWatch alarm. Field names in failures start with `Message.`. */
export function parseCloudWatchSnsAlarm(message: string): CloudWatchResult {
  let body: unknown;
  try {
    body = JSON.parse(message);
  } catch {
    return { ok: false, field: 'Message', message: 'Message: not JSON; expected a CloudWatch alarm (is this topic fed by something else?)' };
  }
  const parsed = snsAlarmSchema.safeParse(body);
  if (!parsed.success) {
    const failure = validationFailure(parsed.error);
    return { ok: false, field: `Message.${failure.field}`, message: `Message.${failure.message}` };
  }
  const a = parsed.data;
  const trigger = a.Trigger;
  const stat = trigger?.Metrics?.map((m) => m.MetricStat?.Metric).filter((m) => m != null) ?? [];
  const first = stat[0];
  const dimensions = [...(trigger?.Dimensions ?? []), ...stat.flatMap((m) => m.Dimensions ?? [])].map((d): [string, string] => [d.name, d.value]);
  return toResult({
    arn: a.AlarmArn,
    name: a.AlarmName,
    ...(a.AlarmDescription ? { description: a.AlarmDescription } : {}),
    state: a.NewStateValue,
    reason: a.NewStateReason,
    changedAt: a.StateChangeTime,
    ...(a.AWSAccountId ? { account: a.AWSAccountId } : {}),
    ...optional('namespace', trigger?.Namespace ?? first?.Namespace),
    ...optional('metricName', trigger?.MetricName ?? first?.MetricName),
    dimensions,
  });
}

/** Parses an EventBridge "CloudWatch Alarm State Change" event. */
export function parseCloudWatchEvent(body: unknown): CloudWatchResult {
  const parsed = eventBridgeAlarmSchema.safeParse(body);
  if (!parsed.success) return validationFailure(parsed.error);
  const e = parsed.data;
  const metrics = e.detail.configuration?.metrics?.map((m) => m.metricStat?.metric).filter((m) => m != null) ?? [];
  const first = metrics[0];
  return toResult({
    // The schema asked for at least one; the alarm is the first resource.
    arn: e.resources[0] ?? '',
    name: e.detail.alarmName,
    ...(e.detail.configuration?.description ? { description: e.detail.configuration.description } : {}),
    state: e.detail.state.value,
    reason: e.detail.state.reason,
    changedAt: e.detail.state.timestamp,
    ...(e.account ? { account: e.account } : {}),
    ...optional('namespace', first?.namespace),
    ...optional('metricName', first?.name),
    dimensions: metrics.flatMap((m) => Object.entries(m.dimensions ?? {})),
  });
}

/** Whether a body without SNS headers is an EventBridge event (it has `detail-type`). */
export function isEventBridgeEvent(body: unknown): boolean {
  return typeof body === 'object' && body !== null && Object.hasOwn(body, 'detail-type');
}

/**
 * A dimension name as a label name, lower_snake_case: InstanceId → instance_id,
 * DBInstanceIdentifier → db_instance_identifier, AutoScalingGroupName → auto_scaling_group_name.
 */
export function dimensionLabel(name: string): string {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1_$2')
    .replace(/[^A-Za-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '')
    .toLowerCase();
}

/**
 * Severity by convention, since CloudWatch alarms have none: a `severity=<level>` word in the
 * alarm description (`severity=critical`), otherwise warning.
 */
export function severityFromDescription(description: string | undefined): string {
  const m = description ? /(?:^|[\s,;([])severity=([a-z]+)\b/i.exec(description) : null;
  return m?.[1]?.toLowerCase() ?? 'warning';
}

function optional<K extends string>(key: K, value: string | null | undefined): Partial<Record<K, string>> {
  return value ? ({ [key]: value } as Record<K, string>) : {};
}

function toResult(change: AlarmChange): CloudWatchResult {
  const [, partition, region, arnAccount] = ALARM_ARN.exec(change.arn) ?? [];
  const severity = severityFromDescription(change.description);
  // Dimensions first, so the alarm's own facts win a clash (a dimension called Region, say).
  const labels: Record<string, string> = {};
  for (const [name, value] of change.dimensions) {
    const label = dimensionLabel(name);
    if (label && !isReservedKey(label) && !Object.hasOwn(labels, label) && Object.keys(labels).length < MAX_LABELS - 10) labels[label] = value;
  }
  Object.assign(labels, {
    alertname: change.name,
    alarm_name: change.name,
    ...optional('namespace', change.namespace),
    ...optional('metric_name', change.metricName),
    ...optional('region', region),
    ...optional('account', change.account ?? arnAccount),
    severity,
  });
  const summary = change.description || change.reason || change.name;
  const resource = labelValue(labels, 'instance_id') ?? change.dimensions[0]?.[1];
  const service = labelValue(labels, 'service_name');
  const base = {
    source: 'cloudwatch' as const,
    // One incident per alarm (DESIGN §2.3); its fingerprint is the alarm, so OK resolves what ALARM opened.
    groupKey: `cloudwatch:${change.arn}`,
    fingerprint: hashFingerprint({ source: 'cloudwatch', alarmArn: change.arn }),
    name: change.name,
    severity,
    ...(service ? { service } : {}),
    ...(resource ? { resource } : {}),
    summary,
    labels,
    annotations: {
      summary,
      ...optional('description', change.description),
      ...optional('reason', change.reason),
    },
    // CloudWatch says when the state changed, not when the problem began; for OK both ends are that time.
    startsAt: change.changedAt,
    ...(partition === 'aws' && region ? { generatorURL: consoleUrl(region, change.name) } : {}),
  };
  if (change.state === 'INSUFFICIENT_DATA') return { ok: true, kind: 'insufficient_data', alarm: { ...base, reason: change.reason, changedAt: change.changedAt } };
  const alert: Alert = change.state === 'ALARM' ? { ...base, status: 'firing' } : { ...base, status: 'resolved', endsAt: change.changedAt };
  return { ok: true, kind: 'alert', alert };
}

function consoleUrl(region: string, name: string): string {
  return `https://${region}.console.aws.amazon.com/cloudwatch/home?region=${region}#alarmsV2:alarm/${encodeURIComponent(name)}`;
}
