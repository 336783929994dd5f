import { z } from 'zod';
import { eventAlert, parseDetail } from './eventbridge-alert.js';
import type { EventEnvelope, Normalised } from './eventbridge-alert.js';
import type { ValidationFailure } from './validation-error.js';

const text = (max = 1024) => z.string().max(max);

/** "AWS API Call via CloudTrail": the CloudTrail record as `detail`. */
const cloudTrailSchema = z.object({
  eventName: z.string().min(1).max(128),
  eventSource: z.string().min(1).max(128),
  eventID: text(128).optional(),
  awsRegion: text(64).optional(),
  eventTime: text(64).optional(),
  sourceIPAddress: text(256).optional(),
  errorCode: text(256).optional(),
  userIdentity: z.object({ type: text(64).optional(), arn: text(2048).optional(), userName: text(256).optional(), principalId: text(256).optional() }).partial().default({}),
  requestParameters: z.record(z.unknown()).nullish(),
});

type CloudTrailRecord = z.output<typeof cloudTrailSchema>;

const BLOCK_FLAGS = ['BlockPublicAcls', 'IgnorePublicAcls', 'BlockPublicPolicy', 'RestrictPublicBuckets'] as const;

function stringParam(record: CloudTrailRecord, name: string): string | undefined {
  const value = record.requestParameters?.[name];
  return typeof value === 'string' && value.length <= 2048 ? value : undefined;
}

/** The flags a PutBucketPublicAccessBlock turned off (CloudTrail records them as booleans or "false"). */
function flagsTurnedOff(record: CloudTrailRecord): string[] {
  const config = record.requestParameters?.PublicAccessBlockConfiguration;
  if (typeof config !== 'object' || config === null) return [...BLOCK_FLAGS];
  const values = config as Record<string, unknown>;
  return BLOCK_FLAGS.filter((flag) => values[flag] !== true && values[flag] !== 'true');
}

/** The trail a StopLogging or DeleteTrail names: its ARN or its name, as the caller gave it. */
function trailOf(record: CloudTrailRecord, event: EventEnvelope): { name: string; arn?: string } | undefined {
  const given = stringParam(record, 'name');
  if (!given) return undefined;
  const arn = given.startsWith('arn:') ? given : `arn:aws:cloudtrail:${event.region}:${event.account}:trail/${given}`;
  return { name: given.split('/').pop() ?? given, arn };
}

export function parseCloudTrailCall(event: EventEnvelope): Normalised | ValidationFailure {
  const parsed = parseDetail(event, cloudTrailSchema);
  if (!parsed.ok) return parsed;
  const r = parsed.detail;
  // A refused call changed nothing.
  if (r.errorCode) return { ok: true, alerts: [], ignored: `${r.eventName} failed (${r.errorCode}); nothing changed` };
  const caller = r.userIdentity.arn ?? r.userIdentity.principalId ?? 'someone';
  const common = { event_name: r.eventName, api_event_source: r.eventSource, user_arn: r.userIdentity.arn, user_type: r.userIdentity.type, source_ip: r.sourceIPAddress, cloudtrail_event_id: r.eventID };
  const at = r.eventTime && !Number.isNaN(Date.parse(r.eventTime)) ? new Date(Date.parse(r.eventTime)).toISOString() : undefined;

  if (r.eventSource === 'cloudtrail.amazonaws.com' && (r.eventName === 'StopLogging' || r.eventName === 'DeleteTrail')) {
    const trail = trailOf(r, event);
    const stopped = r.eventName === 'StopLogging';
    return {
      ok: true,
      alerts: [
        eventAlert(event, {
          identity: { account: event.account, region: event.region, auditTrailOff: trail?.arn ?? 'unknown trail' },
          name: stopped ? 'CloudTrailLoggingStopped' : 'CloudTrailTrailDeleted',
          status: 'firing',
          // The audit trail going dark is a SEV-2: high, whoever did it.
          severity: 'high',
          summary: `${caller} ${stopped ? 'stopped logging on' : 'deleted'} CloudTrail trail ${trail?.name ?? '(unnamed)'}`,
          ...(trail?.arn ? { resource: trail.arn } : {}),
          ...(at ? { at } : {}),
          labels: { ...common, trail_name: trail?.name, trail_arn: trail?.arn, resource_arn: trail?.arn },
        }),
      ],
    };
  }

  if (r.eventSource === 's3.amazonaws.com' && (r.eventName === 'DeleteBucketPublicAccessBlock' || r.eventName === 'PutBucketPublicAccessBlock')) {
    const bucket = stringParam(r, 'bucketName');
    const off = r.eventName === 'DeleteBucketPublicAccessBlock' ? [...BLOCK_FLAGS] : flagsTurnedOff(r);
    if (off.length === 0) return { ok: true, alerts: [], ignored: `${r.eventName} on ${bucket ?? 'a bucket'} blocks all public access; nothing was removed` };
    const arn = bucket ? `arn:aws:s3:::${bucket}` : undefined;
    return {
      ok: true,
      alerts: [
        eventAlert(event, {
          identity: { account: event.account, publicAccessBlockRemoved: bucket ?? 'unknown bucket' },
          name: 'S3BucketPublicAccessBlockRemoved',
          status: 'firing',
          severity: 'high',
          summary: `${caller} removed Block Public Access (${off.join(', ')}) from bucket ${bucket ?? '(unnamed)'}`,
          ...(arn ? { resource: arn } : {}),
          ...(at ? { at } : {}),
          labels: { ...common, bucket_name: bucket, resource_arn: arn, flags_off: off.join(',') },
        }),
      ],
    };
  }

  const resource = event.resources[0];
  return {
    ok: true,
    alerts: [
      eventAlert(event, {
        identity: { account: event.account, region: event.region, apiCall: r.eventName, eventSource: r.eventSource, resource: resource ?? caller },
        name: 'CloudTrailApiCall',
        status: 'firing',
        severity: 'warning',
        summary: `${caller} called ${r.eventSource} ${r.eventName}`,
        ...(resource ? { resource } : {}),
        ...(at ? { at } : {}),
        labels: { ...common, resource_arn: resource },
      }),
    ],
  };
}

/** "AWS Health Event": https://docs.aws.amazon.com/health/latest/ug/aws-health-events-eventbridge-schema.html */
const healthSchema = z.object({
  eventArn: z.string().min(1).max(1600),
  service: text(128).default(''),
  eventTypeCode: z.string().min(1).max(256),
  eventTypeCategory: text(64).default(''),
  statusCode: z.enum(['open', 'upcoming', 'closed']),
  eventDescription: z.array(z.object({ latestDescription: text(32_000).default('') }).partial()).max(20).default([]),
  affectedEntities: z.array(z.object({ entityValue: text(1024).optional() }).partial()).max(100).default([]),
});

const HEALTH_SEVERITY: Record<string, string> = { issue: 'high', scheduledChange: 'warning', accountNotification: 'info', investigation: 'warning' };

export function parseHealthEvent(event: EventEnvelope): Normalised | ValidationFailure {
  const parsed = parseDetail(event, healthSchema);
  if (!parsed.ok) return parsed;
  const h = parsed.detail;
  const entity = h.affectedEntities[0]?.entityValue ?? event.resources[0];
  const description = h.eventDescription[0]?.latestDescription ?? '';
  const alert = eventAlert(event, {
    // Health updates one event (its ARN) as it goes from open to closed.
    identity: { account: event.account, healthEvent: h.eventArn, entity: entity ?? '' },
    name: 'AWSHealthEvent',
    status: h.statusCode === 'closed' ? 'resolved' : 'firing',
    severity: HEALTH_SEVERITY[h.eventTypeCategory] ?? 'warning',
    summary: `AWS Health: ${h.eventTypeCode}${entity ? ` on ${entity}` : ''}`,
    description,
    ...(entity ? { resource: entity } : {}),
    labels: {
      health_service: h.service,
      event_type_code: h.eventTypeCode,
      event_type_category: h.eventTypeCategory,
      status_code: h.statusCode,
      event_arn: h.eventArn,
      affected_entity: entity,
      instance_id: entity && /^i-[0-9a-f]{8,17}$/.test(entity) ? entity : undefined,
      resource_arn: entity?.startsWith('arn:') ? entity : undefined,
    },
  });
  return { ok: true, alerts: [alert] };
}

/** Any other event: one firing alert named after its detail-type, one incident per (source, type, resources). */
export function parseOtherEvent(event: EventEnvelope): Normalised {
  const name = event['detail-type'].replace(/[^A-Za-z0-9]+/g, ' ').trim().split(' ').map((w) => w.charAt(0).toUpperCase() + w.slice(1)).join('') || 'EventBridgeEvent';
  const resource = event.resources[0];
  const alert = eventAlert(event, {
    identity: { account: event.account, region: event.region, source: event.source, type: event['detail-type'], resources: [...event.resources].sort() },
    name,
    status: 'firing',
    severity: 'warning',
    summary: `${event['detail-type']} from ${event.source}${resource ? ` on ${resource}` : ''}`,
    ...(resource ? { resource } : {}),
    labels: { resource_arn: resource },
  });
  return { ok: true, alerts: [alert] };
}
