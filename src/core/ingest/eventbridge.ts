import { z } from 'zod';
import type { Alert } from '../alert.js';
import { parseCloudTrailCall, parseHealthEvent, parseOtherEvent } from './eventbridge-activity.js';
import type { EventEnvelope, Normalised } from './eventbridge-alert.js';
import { parseConfigCompliance, parseGuardDutyFinding, parseSecurityHubFindings } from './eventbridge-security.js';
import { timestampSchema } from './timestamp.js';
import { validationFailure } from './validation-error.js';
import type { ValidationFailure } from './validation-error.js';

/**
 * Any EventBridge event, as an API destination delivers it (the event itself is the body), becomes
 * alerts (issue 12): GuardDuty findings, Config compliance changes, Security Hub findings, the
 * CloudTrail API calls that turn off an audit trail or a bucket's public access block, AWS Health
 * events; any other event becomes one firing alert named after its detail-type, so nothing routed
 * here is dropped silently. An event that says nothing happened (a failed API call, a public
 * access block that blocks everything) is ignored and says why.
 */
export type EventBridgeResult = { ok: true; kind: 'alerts'; alerts: Alert[] } | { ok: true; kind: 'ignored'; reason: string } | ValidationFailure;

/** The envelope every EventBridge event has; `detail` is read by each event's own parser. */
const envelopeSchema = z.object({
  version: z.string().max(16).optional(),
  id: z.string().min(1).max(128),
  'detail-type': z.string().min(1).max(256),
  source: z.string().min(1).max(256),
  account: z.string().regex(/^\d{12}$/, 'expected a 12-digit AWS account id'),
  time: timestampSchema,
  region: z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d{1,2}$|^(global|aws-global)$/, 'expected an AWS region such as us-east-1'),
  resources: z.array(z.string().max(2048)).max(100).default([]),
  detail: z.record(z.unknown()),
});

/** Parses one EventBridge event. The CloudWatch alarm events are the route's to answer (/alerts/cloudwatch semantics). */
export function parseEventBridgeEvent(body: unknown): EventBridgeResult {
  const parsed = envelopeSchema.safeParse(body);
  if (!parsed.success) return validationFailure(parsed.error);
  const event: EventEnvelope = parsed.data;
  const result = normalise(event);
  if (!result.ok) return result;
  if (result.alerts.length === 0) return { ok: true, kind: 'ignored', reason: result.ignored ?? 'nothing to alert on' };
  return { ok: true, kind: 'alerts', alerts: result.alerts };
}

function normalise(event: EventEnvelope): Normalised | ValidationFailure {
  const type = event['detail-type'];
  if (event.source === 'aws.guardduty' && type === 'GuardDuty Finding') return parseGuardDutyFinding(event);
  if (event.source === 'aws.config' && type === 'Config Rules Compliance Change') return parseConfigCompliance(event);
  if (event.source === 'aws.securityhub' && type.startsWith('Security Hub Findings')) return parseSecurityHubFindings(event);
  if (type === 'AWS API Call via CloudTrail') return parseCloudTrailCall(event);
  if (event.source === 'aws.health' && type === 'AWS Health Event') return parseHealthEvent(event);
  return parseOtherEvent(event);
}

/** Whether a body is an EventBridge "CloudWatch Alarm State Change" event. */
export function isCloudWatchAlarmEvent(body: unknown): boolean {
  return typeof body === 'object' && body !== null && (body as Record<string, unknown>)['detail-type'] === 'CloudWatch Alarm State Change';
}
