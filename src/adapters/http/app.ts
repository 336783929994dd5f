import { Hono } from 'hono';
import type { Registry } from 'prom-client';
import type { Logger } from 'pino';
import type { ServiceDeps } from '../../services/deps.js';
import type { AuditStore, ControlStore } from '../../services/ports.js';
import { ConflictError, StoreUnavailableError } from '../../services/ports.js';
import type { SlackHttpReceiver } from '../slack/http-receiver.js';
import type { RemoteAddress } from './auth.js';
import { requireToken } from './auth.js';
import { alertRoutes } from './routes/alerts.js';
import type { CloudWatchIngest } from './routes/cloudwatch-alerts.js';
import { operatorApiRoutes } from './routes/operator-api.js';
import { consolePage } from './routes/console-page.js';
import { readLimitedBody } from './read-limited-body.js';

/** Slack's requests are small (a click, a command, an event): anything over 1 MiB is refused unread. */
export const SLACK_MAX_BODY_BYTES = 1024 * 1024;

export interface HttpAppOptions {
  deps: ServiceDeps;
  audit: AuditStore;
  controls: ControlStore;
  registry: Registry;
  log: Logger;
  alertWebhookToken?: string;
  operatorToken?: string;
  slack?: SlackHttpReceiver;
  /** SNS signature checks and subscription confirmation for `POST /alerts/cloudwatch`. */
  cloudwatch?: CloudWatchIngest;
  remoteAddress: RemoteAddress;
}

/** The one HTTP listener (DESIGN §2.3). Business errors become HTTP answers here and only here. */
export function createHttpApp(options: HttpAppOptions): Hono {
  const { deps, log } = options;
  const app = new Hono();

  app.onError((err, c) => {
    if (err instanceof StoreUnavailableError) {
      log.error({ err: err.message, path: c.req.path }, 'store unavailable');
      return c.json({ error: 'store unavailable; nothing was stored, retry later' }, 503);
    }
    if (err instanceof ConflictError) {
      log.warn({ err: err.message, path: c.req.path }, 'write conflict persisted');
      return c.json({ error: 'busy: concurrent updates, retry' }, 503);
    }
    log.error({ err, path: c.req.path }, 'request failed');
    return c.json({ error: 'internal error' }, 500);
  });
  app.notFound((c) => c.json({ error: `no route ${c.req.method} ${c.req.path}` }, 404));

  app.get('/healthz', (c) => c.json({ status: 'ok' }));
  app.get('/readyz', async (c) => {
    try {
      await options.controls.ping();
      return c.json({ status: 'ready' });
    } catch (err) {
      // Unauthenticated: the error names the store's endpoint and table, so it goes to the log only.
      log.warn({ err }, 'readiness: store unreachable');
      return c.json({ status: 'not ready', error: 'store unreachable (details in the bot log)' }, 503);
    }
  });
  app.get('/metrics', async (c) => c.text(await options.registry.metrics(), 200, { 'content-type': options.registry.contentType }));

  app.use('/alerts/*', requireToken({ token: options.alertWebhookToken, variable: 'ALERT_WEBHOOK_TOKEN', remoteAddress: options.remoteAddress, challenge: 'Basic' }));
  app.route('/alerts', alertRoutes(deps, options.cloudwatch ? { cloudwatch: options.cloudwatch } : {}));

  const operatorAuth = requireToken({ token: options.operatorToken, variable: 'OPERATOR_TOKEN', remoteAddress: options.remoteAddress, challenge: 'Bearer' });
  app.use('/api/*', operatorAuth);
  app.route('/api', operatorApiRoutes(deps, options.audit));
  // The page itself holds no data; it asks for the token and sends it on every /api call.
  app.get('/console', (c) => c.html(consolePage()));

  const slack = options.slack;
  app.post('/slack/events', async (c) => {
    // No HTTP receiver: Slack is off, or in Socket Mode, where events arrive over the bot's WebSocket.
    if (!slack) return c.json({ error: 'Slack is not received over HTTP on this bot: set SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET and leave SLACK_APP_TOKEN unset (with it set, Slack uses Socket Mode instead)' }, 404);
    // Before the signature check, which needs the whole body: an unsigned sender must not make the bot buffer more than the limit.
    const body = await readLimitedBody(c.req.raw, SLACK_MAX_BODY_BYTES);
    if (!body.ok) return c.json({ error: `body: larger than ${SLACK_MAX_BODY_BYTES} bytes (1 MiB); Slack requests are smaller` }, 413, { connection: 'close' });
    const res = await slack.handle({ rawBody: body.text, contentType: c.req.header('content-type'), header: (n) => c.req.header(n) });
    return c.body(res.body, res.status as 200, res.contentType ? { 'content-type': res.contentType } : {});
  });

  return app;
}
