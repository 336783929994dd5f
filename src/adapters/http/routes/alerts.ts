import { Hono } from 'hono';
import type { Context } from 'hono';
import { parseAlertmanagerPayload } from '../../../core/ingest/alertmanager.js';
import { parseGenericAlert } from '../../../core/ingest/generic.js';
import type { IngestResult } from '../../../core/ingest/result.js';
import type { ServiceDeps } from '../../../services/deps.js';
import { cloudwatchRoute } from './cloudwatch-alerts.js';
import { eventbridgeRoute } from './eventbridge-alerts.js';
import type { CloudWatchIngest } from './cloudwatch-alerts.js';
import { readJson, storeAndAnswer } from './ingest-answer.js';
import { requireMediaType } from '../middleware/request-limits.js';

// Alertmanager sends a whole group in one request and does not retry a 4xx: refusing a large but
// real payload would lose its alerts. A payload may hold 1,000 alerts (the parser's limit) of a few
// KB each; 16 MiB holds that with room to spare and still bounds memory. The app applies it.
export const ALERT_MAX_BODY_BYTES = 16 * 1024 * 1024;

/**
 * Answers honestly: 2xx only once every alert is durably stored; 400 naming the field for a
 * malformed payload (Alertmanager does not retry 4xx, so 400 must mean "will never work");
 * 503 when the store is down (Alertmanager retries 5xx, so nothing is lost).
 */
function ingestRoute(deps: ServiceDeps, parse: (body: unknown) => IngestResult) {
  return async (c: Context) => {
    const json = await readJson(c);
    if (!json.ok) return c.json({ error: 'body: not valid JSON', field: 'body' }, 400);
    const parsed = parse(json.value);
    if (!parsed.ok) return c.json({ error: parsed.message, field: parsed.field }, 400);
    return storeAndAnswer(c, deps, parsed.alerts);
  };
}

export interface AlertRouteOptions {
  /** SNS signature checks and subscription confirmation for `/cloudwatch`; without it SNS messages are refused. */
  cloudwatch?: CloudWatchIngest;
}

export function alertRoutes(deps: ServiceDeps, options: AlertRouteOptions = {}): Hono {
  const app = new Hono();
  const json = requireMediaType(['application/json']);
  app.post('/alertmanager', json, ingestRoute(deps, parseAlertmanagerPayload));
  // SNS posts its JSON as text/plain unless the subscription's delivery policy says otherwise.
  app.post('/cloudwatch', requireMediaType(['application/json', 'text/plain']), cloudwatchRoute(deps, options.cloudwatch));
  app.post('/eventbridge', json, eventbridgeRoute(deps));
  app.post('/generic', json, ingestRoute(deps, (body) => parseGenericAlert(body, deps.clock.now().toISOString())));
  return app;
}
