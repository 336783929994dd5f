import type { Alert } from '../alert.js';
import { parseAlertmanagerPayload } from '../ingest/alertmanager.js';
import { parseCloudWatchEvent, parseCloudWatchSnsAlarm } from '../ingest/cloudwatch.js';
import { isCloudWatchAlarmEvent, parseEventBridgeEvent } from '../ingest/eventbridge.js';
import { parseGenericAlert } from '../ingest/generic.js';
import { approvalsRequired, approversFor } from '../policy/approval.js';
import type { Policy } from '../policy/schema.js';
import { matchingRunbooks } from './match.js';
import { renderPlan } from './plan.js';
import type { Plan } from './plan.js';
import type { Runbook } from './schema.js';

/** The kinds of payload `npm run runbooks:try` recognises, named as the README names them. */
export type PayloadKind = 'alertmanager' | 'cloudwatch-sns' | 'cloudwatch-eventbridge' | 'eventbridge' | 'generic';

export type Detected = { ok: true; kind: PayloadKind; alerts: Alert[]; note?: string } | { ok: false; kind?: PayloadKind; message: string };

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Which payload this is, told by the fields only that kind has, and its alerts. */
export function detectAlerts(body: unknown, nowIso: string): Detected {
  if (!isRecord(body)) return { ok: false, message: 'the file holds no JSON object: expected an Alertmanager v4 payload, a CloudWatch alarm (SNS or EventBridge), an EventBridge event or a generic alert' };
  if ('alerts' in body && 'groupKey' in body) {
    const parsed = parseAlertmanagerPayload(body);
    return parsed.ok ? { ok: true, kind: 'alertmanager', alerts: parsed.alerts } : { ok: false, kind: 'alertmanager', message: parsed.message };
  }
  if (body.Type === 'Notification' && typeof body.Message === 'string') {
    const parsed = parseCloudWatchSnsAlarm(body.Message);
    if (!parsed.ok) return { ok: false, kind: 'cloudwatch-sns', message: parsed.message };
    // Trying a payload checks no signature: it only shows what the bot would match once it verified one.
    const note = 'SNS signature not checked (the bot verifies it before matching)';
    if (parsed.kind === 'insufficient_data') return { ok: true, kind: 'cloudwatch-sns', alerts: [], note: `${note}; INSUFFICIENT_DATA neither fires nor resolves, so nothing is proposed` };
    return { ok: true, kind: 'cloudwatch-sns', alerts: [parsed.alert], note };
  }
  if ('detail-type' in body) {
    if (isCloudWatchAlarmEvent(body)) {
      const parsed = parseCloudWatchEvent(body);
      if (!parsed.ok) return { ok: false, kind: 'cloudwatch-eventbridge', message: parsed.message };
      if (parsed.kind === 'insufficient_data') return { ok: true, kind: 'cloudwatch-eventbridge', alerts: [], note: 'INSUFFICIENT_DATA neither fires nor resolves, so nothing is proposed' };
      return { ok: true, kind: 'cloudwatch-eventbridge', alerts: [parsed.alert] };
    }
    const parsed = parseEventBridgeEvent(body);
    if (!parsed.ok) return { ok: false, kind: 'eventbridge', message: parsed.message };
    if (parsed.kind === 'ignored') return { ok: true, kind: 'eventbridge', alerts: [], note: `ignored: ${parsed.reason}` };
    return { ok: true, kind: 'eventbridge', alerts: parsed.alerts };
  }
  if ('name' in body && 'status' in body) {
    const parsed = parseGenericAlert(body, nowIso);
    return parsed.ok ? { ok: true, kind: 'generic', alerts: parsed.alerts } : { ok: false, kind: 'generic', message: parsed.message };
  }
  return { ok: false, message: 'not a payload the bot takes: an Alertmanager v4 payload has groupKey and alerts, an SNS notification Type and Message, an EventBridge event detail-type, a generic alert name and status' };
}

export interface TriedRunbook {
  runbook: Runbook;
  result: { ok: true; plan: Plan; approvals: number; approvers: string[] } | { ok: false; parameter: string; reason: string };
}

export interface TriedAlert {
  alert: Alert;
  runbooks: TriedRunbook[];
}

/** For each firing alert, the runbooks that match it and the plan each renders (or why it cannot). */
export function tryAlerts(alerts: readonly Alert[], runbooks: readonly Runbook[], policy: Policy): TriedAlert[] {
  return alerts.map((alert) => ({
    alert,
    runbooks:
      alert.status !== 'firing'
        ? []
        : matchingRunbooks(runbooks, { name: alert.name, source: alert.source, labels: alert.labels }).map((runbook) => {
            const rendered = renderPlan(runbook, { labels: alert.labels, annotations: alert.annotations });
            if (!rendered.ok) return { runbook, result: { ok: false as const, parameter: rendered.parameter, reason: rendered.reason } };
            return { runbook, result: { ok: true as const, plan: rendered.plan, approvals: approvalsRequired(policy, rendered.plan), approvers: approversFor(policy, rendered.plan) } };
          }),
  }));
}
