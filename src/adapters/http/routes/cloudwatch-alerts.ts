import type { Context } from 'hono';
import type { CloudWatchResult } from '../../../core/ingest/cloudwatch.js';
import { isEventBridgeEvent, parseCloudWatchEvent, parseCloudWatchSnsAlarm } from '../../../core/ingest/cloudwatch.js';
import type { SnsConfirmation } from '../../../core/ingest/sns-message.js';
import { parseSnsMessage } from '../../../core/ingest/sns-message.js';
import type { ServiceDeps } from '../../../services/deps.js';
import { CONTROLS_AUDIT } from '../../../services/kill-switch.js';
import { recordInsufficientData } from '../../../services/record-insufficient-data.js';
import type { SnsSubscriptionStore } from '../../ingest/sns-subscription-store.js';
import type { SnsVerifier } from '../../ingest/sns-verifier.js';
import { readJson, storeAndAnswer } from './ingest-answer.js';

export interface CloudWatchIngest {
  verifier: SnsVerifier;
  subscriptions: SnsSubscriptionStore;
}

const NEITHER = 'body: expected an SNS message (x-amz-sns-message-type header) or an EventBridge "CloudWatch Alarm State Change" event';

/**
 * `POST /alerts/cloudwatch`: CloudWatch alarms through SNS (HTTP/S subscription) or an EventBridge
 * API destination. Both arrive behind ALERT_WEBHOOK_TOKEN; SNS messages are also signature-checked,
 * which proves they come from SNS (any account's SNS: the token is what says they are ours).
 * SNS retries 5xx and never 4xx, so 4xx here means forged or malformed, 5xx "try again".
 */
export function cloudwatchRoute(deps: ServiceDeps, sns: CloudWatchIngest | undefined) {
  return async (c: Context) => {
    const json = await readJson(c);
    if (!json.ok) return c.json({ error: 'body: not valid JSON', field: 'body' }, 400);
    const snsType = c.req.header('x-amz-sns-message-type');
    if (snsType === undefined && isEventBridgeEvent(json.value)) return answerAlarm(c, deps, parseCloudWatchEvent(json.value));
    // Without the header an SNS-shaped body is still treated as SNS (a proxy may drop headers), so it is still verified.
    if (snsType === undefined && !hasKey(json.value, 'Type')) return c.json({ error: NEITHER, field: 'body' }, 400);
    if (!sns) return c.json({ error: 'SNS messages are not accepted: this listener was started without an SNS verifier' }, 501);

    const parsed = parseSnsMessage(json.value, snsType);
    if (!parsed.ok) return c.json({ error: parsed.message, field: parsed.field }, 400);
    const message = parsed.message;
    const verdict = await sns.verifier.verify(message);
    if (!verdict.ok) {
      deps.log.warn({ topicArn: message.TopicArn, messageId: message.MessageId, code: verdict.code, reason: verdict.reason }, 'refused an SNS message');
      if (verdict.code === 'bad_signature') return c.json({ error: `${verdict.reason}; nothing was stored`, field: 'Signature' }, 401);
      return c.json({ error: `${verdict.reason}; nothing was stored, SNS will retry` }, 503);
    }
    switch (message.Type) {
      case 'Notification':
        return answerAlarm(c, deps, parseCloudWatchSnsAlarm(message.Message));
      case 'SubscriptionConfirmation':
        return confirmOnce(c, deps, sns, message);
      case 'UnsubscribeConfirmation':
        // Visiting its SubscribeURL would subscribe again: only record that the subscription ended.
        await deps.audit.record({ ...controlsEntry(message), kind: 'sns.unsubscribed', stepKey: `sns-unsubscribed:${message.MessageId}` });
        return c.json({ unsubscribed: true, topicArn: message.TopicArn }, 200);
    }
  };
}

function hasKey(value: unknown, key: string): boolean {
  return typeof value === 'object' && value !== null && Object.hasOwn(value, key);
}

/** Answers one alarm state change: an alert is stored; INSUFFICIENT_DATA is only noted on the alarm's open incident. */
export async function answerAlarm(c: Context, deps: ServiceDeps, result: CloudWatchResult): Promise<Response> {
  if (!result.ok) return c.json({ error: result.message, field: result.field }, 400);
  if (result.kind === 'alert') return storeAndAnswer(c, deps, [result.alert]);
  const incidentId = await recordInsufficientData(deps, result.alarm);
  return c.json({ accepted: 0, state: 'INSUFFICIENT_DATA', incidents: incidentId ? [incidentId] : [] }, 200);
}

function controlsEntry(message: SnsConfirmation) {
  return {
    incidentId: CONTROLS_AUDIT,
    trigger: 'sns',
    outcome: 'SUCCESS' as const,
    operator: 'automated',
    targetResource: message.TopicArn,
  };
}

/**
 * Confirms a subscription the first time its confirmation arrives. SNS redelivers when it missed
 * our 200; the store remembers (topic, token) so the SubscribeURL is visited once.
 */
async function confirmOnce(c: Context, deps: ServiceDeps, sns: CloudWatchIngest, message: SnsConfirmation): Promise<Response> {
  const topicArn = message.TopicArn;
  if (await sns.subscriptions.isConfirmed(topicArn, message.Token)) return c.json({ confirmed: true, topicArn, alreadyConfirmed: true }, 200);
  let subscriptionArn: string | undefined;
  try {
    ({ subscriptionArn } = await sns.verifier.confirmSubscription(message));
  } catch (err) {
    deps.log.warn({ topicArn, err: (err as Error).message }, 'could not confirm an SNS subscription');
    return c.json({ error: `could not confirm the subscription to ${topicArn}: ${(err as Error).message}; SNS will redeliver the confirmation` }, 502);
  }
  await sns.subscriptions.markConfirmed(topicArn, message.Token, deps.clock.now());
  await deps.audit.record({
    ...controlsEntry(message),
    kind: 'sns.subscription_confirmed',
    stepKey: `sns-subscription:${message.MessageId}`,
    details: { topicArn, messageId: message.MessageId, ...(subscriptionArn ? { subscriptionArn } : {}) },
  });
  deps.log.info({ topicArn, subscriptionArn }, 'confirmed an SNS subscription');
  return c.json({ confirmed: true, topicArn }, 200);
}
