import type { Context } from 'hono';
import { parseCloudWatchEvent } from '../../../core/ingest/cloudwatch.js';
import { isCloudWatchAlarmEvent, parseEventBridgeEvent } from '../../../core/ingest/eventbridge.js';
import type { ServiceDeps } from '../../../services/deps.js';
import { answerAlarm } from './cloudwatch-alerts.js';
import { readJson, storeAndAnswer } from './ingest-answer.js';

/**
 * `POST /alerts/eventbridge`: any EventBridge event, delivered by an API destination (the body is
 * the event). Same token and answers as the other alert routes: 200 once stored, 400 naming the
 * field of a malformed event (EventBridge does not retry 4xx; it retries 5xx and 429), 503 when
 * the store is down. An event that says nothing happened answers 200 with `accepted: 0` and why.
 * A CloudWatch alarm event sent here is answered as /alerts/cloudwatch answers it.
 */
export function eventbridgeRoute(deps: ServiceDeps) {
  return async (c: Context) => {
    const json = await readJson(c);
    if (!json.ok) return c.json({ error: 'body: not valid JSON', field: 'body' }, 400);
    if (isCloudWatchAlarmEvent(json.value)) return answerAlarm(c, deps, parseCloudWatchEvent(json.value));
    const parsed = parseEventBridgeEvent(json.value);
    if (!parsed.ok) return c.json({ error: parsed.message, field: parsed.field }, 400);
    if (parsed.kind === 'ignored') return c.json({ accepted: 0, ignored: parsed.reason, incidents: [] }, 200);
    return storeAndAnswer(c, deps, parsed.alerts);
  };
}
