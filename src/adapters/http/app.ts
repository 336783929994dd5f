import { Hono } from 'hono';
import type { Registry } from 'prom-client';
import type { Logger } from 'pino';
import type { ServiceDeps } from '../../services/deps.js';
import type { AuditStreamHub } from '../../services/audit-stream-hub.js';
import type { AuditStore, ControlStore } from '../../services/ports.js';
import { ConflictError, StoreUnavailableError } from '../../services/ports.js';
import { recordApiRateLimited } from '../../services/record-api-rate-limited.js';
import type { SlackHttpReceiver } from '../slack/http-receiver.js';
import type { RemoteAddress } from './auth.js';
import { requireToken } from './auth.js';
import { apiRateLimit } from './middleware/api-rate-limit.js';
import { refuseCrossSite } from './middleware/cross-site-guard.js';
import { limitBody, requireMediaType } from './middleware/request-limits.js';
import { securityHeaders } from './middleware/security-headers.js';
import type { OidcVerifier } from './oidc-verifier.js';
import { authenticateOperator } from './operator-auth.js';
import type { OperatorVariables } from './operator-auth.js';
import { ALERT_MAX_BODY_BYTES, alertRoutes } from './routes/alerts.js';
import type { CloudWatchIngest } from './routes/cloudwatch-alerts.js';
import { auditEventsRoutes } from './routes/audit-events.js';
import type { AuditEventsTuning } from './routes/audit-events.js';
import { consoleRoutes } from './routes/console.js';
import { killSwitchApiRoutes } from './routes/kill-switch-api.js';
import { operatorApiRoutes } from './routes/operator-api.js';
import { readLimitedBody } from './read-limited-body.js';

/** Slack's requests are small (a click, a command, an event): anything over 1 MiB is refused unread. */
export const SLACK_MAX_BODY_BYTES = 1024 * 1024;

/** Operator sign-in: the static token and/or an OIDC issuer; neither means loopback only. */
export interface OperatorSignIn {
  token?: string;
  /** OPERATOR_TOKEN_AUTHORITY. */
  tokenAuthority: string;
  oidc?: { verifier: OidcVerifier; issuer: string; audience: string; clientId?: string };
  /** API_RATE_LIMIT_PER_MINUTE. */
  ratePerMinute: number;
}

export interface HttpAppOptions {
  deps: ServiceDeps;
  audit: AuditStore;
  controls: ControlStore;
  registry: Registry;
  log: Logger;
  alertWebhookToken?: string;
  operator: OperatorSignIn;
  slack?: SlackHttpReceiver;
  /** SNS signature checks and subscription confirmation for `POST /alerts/cloudwatch`. */
  cloudwatch?: CloudWatchIngest;
  remoteAddress: RemoteAddress;
  /** The live audit stream of this replica, and the limits of `/api/events`. */
  auditStream: { hub: AuditStreamHub; tuning?: AuditEventsTuning };
  /** Aborted at shutdown: live streams end so the listener can close. */
  shutdown?: AbortSignal;
}

/** Bodies other than alerts and Slack's are small JSON documents (a kill switch and its reason). */
const MAX_BODY_BYTES = 64 * 1024;

/** The one HTTP listener (DESIGN §2.3). Business errors become HTTP answers here and only here. */
export function createHttpApp(options: HttpAppOptions): Hono<{ Variables: OperatorVariables }> {
  const { deps, log, operator } = options;
  const app = new Hono<{ Variables: OperatorVariables }>();

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

  const issuerOrigin = operator.oidc ? [new URL(operator.oidc.issuer).origin] : [];
  app.use('*', securityHeaders({ connectSrc: issuerOrigin }));
  // Before anything reads a body or checks who sent it. /slack/events keeps its own limit.
  const alertLimit = limitBody(ALERT_MAX_BODY_BYTES);
  const smallLimit = limitBody(MAX_BODY_BYTES);
  app.use('*', (c, next) => (c.req.path === '/slack/events' ? next() : c.req.path.startsWith('/alerts/') ? alertLimit(c, next) : smallLimit(c, next)));

  app.get('/healthz', (c) => c.json({ status: 'ok', dryRun: deps.dryRun }));
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

  if (!options.alertWebhookToken) app.use('/alerts/*', refuseCrossSite('ALERT_WEBHOOK_TOKEN'));
  app.use('/alerts/*', requireToken({ token: options.alertWebhookToken, variable: 'ALERT_WEBHOOK_TOKEN', remoteAddress: options.remoteAddress, challenge: 'Basic' }));
  app.route('/alerts', alertRoutes(deps, options.cloudwatch ? { cloudwatch: options.cloudwatch } : {}));

  const loopbackOnly = !operator.token && !operator.oidc;
  if (loopbackOnly) {
    app.use('/api/*', refuseCrossSite('OPERATOR_TOKEN or OIDC_ISSUER'));
    app.use('/console', refuseCrossSite('OPERATOR_TOKEN or OIDC_ISSUER'));
    app.use('/console/*', refuseCrossSite('OPERATOR_TOKEN or OIDC_ISSUER'));
  }
  app.use('/api/*', requireMediaType(['application/json']));
  app.use(
    '/api/*',
    authenticateOperator({
      ...(operator.token ? { token: operator.token } : {}),
      ...(operator.oidc ? { oidc: operator.oidc.verifier } : {}),
      tokenAuthority: operator.tokenAuthority,
      policy: () => deps.catalogue.policy,
      remoteAddress: options.remoteAddress,
      log,
    }),
  );
  app.use('/api/*', apiRateLimit({ perMinute: operator.ratePerMinute, now: () => deps.clock.now().getTime(), onBurst: (client, path) => recordApiRateLimited(deps, client, path, operator.ratePerMinute) }));
  app.route('/api', operatorApiRoutes(deps, options.audit));
  app.route(
    '/api',
    auditEventsRoutes({
      hub: options.auditStream.hub,
      audit: options.audit,
      clock: deps.clock,
      log,
      ...(options.shutdown ? { shutdown: options.shutdown } : {}),
      ...(options.auditStream.tuning ? { tuning: options.auditStream.tuning } : {}),
    }),
  );
  app.route('/api', killSwitchApiRoutes(deps));
  app.route('/console', consoleRoutes({ log, ...(operator.oidc ? { oidc: operator.oidc } : {}) }));

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
