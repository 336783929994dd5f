import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { serve } from '@hono/node-server';
import { getConnInfo } from '@hono/node-server/conninfo';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import type { Logger } from 'pino';

import { loadConfig, describeMissing, ConfigError } from './config/load-config.js';
import type { Config } from './config/schema.js';
import { SECRET_VARIABLES } from './config/schema.js';
import { createLogger } from './config/create-logger.js';
import { loadCatalogue, CatalogueError } from './config/load-catalogue.js';
import { createDocumentClient, createDynamoStores, ensureTables, startEmbeddedDynamo } from './adapters/stores/index.js';
import { createSsmClient } from './adapters/executors/ssm-client.js';
import { createSsmExecutor } from './adapters/executors/ssm-executor.js';
import { createPrometheusClient } from './adapters/prometheus/prometheus-client.js';
import { createSlackWebClient } from './adapters/slack/web-client.js';
import { createSlackApp } from './adapters/slack/slack-app.js';
import { createUsergroupDirectory } from './adapters/slack/usergroup-directory.js';
import { createEmailDirectory } from './adapters/slack/email-directory.js';
import { createPager } from './adapters/pagerduty/index.js';
import { createPrometheusMetrics } from './adapters/http/prometheus-metrics.js';
import { createHttpApp } from './adapters/http/app.js';
import { createSnsVerifier } from './adapters/ingest/sns-verifier.js';
import { operatorSignIn } from './adapters/http/operator-sign-in.js';
import type { FetchLike } from './adapters/ingest/sns-verifier.js';
import type { RemoteAddress } from './adapters/http/auth.js';
import { createAuditLog } from './services/audit-log.js';
import { createBackgroundTasks } from './services/background-tasks.js';
import { createWorkflowCoordinator } from './services/coordinator.js';
import type { ServiceDeps } from './services/deps.js';
import type { Clock } from './services/ports.js';
import { systemClock } from './services/ports.js';
import { resumeWork } from './services/resume-work.js';
import { cooldownGauge, countUnresolvedIncidents } from './services/gauges.js';
import { startScheduler } from './adapters/scheduler/cron-scheduler.js';
import { jobs } from './jobs/index.js';
import { createFolderSnapshotSink } from './adapters/snapshots/folder-sink.js';
import { createS3SnapshotSink, createSnapshotS3Client } from './adapters/snapshots/s3-sink.js';
import type { SnapshotSink } from './services/snapshot.js';
import { startDelivery } from './app/delivery.js';
import { startCatalogueReload } from './app/catalogue.js';
import type { ReloadOutcome, ReloadTrigger } from './services/catalogue-reload.js';
import type { Catalogue } from './config/load-catalogue.js';
import type { DeliveryTuning } from './app/delivery.js';
import { startAuditStream } from './app/audit-stream.js';
import type { AuditStreamHubTuning } from './services/audit-stream-hub.js';
import type { AuditEventsTuning } from './adapters/http/routes/audit-events.js';

export interface StartOptions {
  env: Record<string, string | undefined>;
  clock?: Clock;
  /** Where logs go (tests capture them to check nothing secret is written). */
  logDestination?: NodeJS.WritableStream;
  /** Explicit AWS credentials (tests); otherwise the SDK's default chain. */
  awsCredentials?: { accessKeyId: string; secretAccessKey: string };
  sleep?: (ms: number) => Promise<void>;
  pollIntervalMs?: { initial: number; max: number };
  /** Minimum spacing of Slack posts per channel (Slack allows about one a second). */
  slackMinIntervalMs?: number;
  /** Slack and PagerDuty delivery timings (tests shorten them). */
  delivery?: DeliveryTuning;
  /** The live stream's poll, hold-back and buffer limits (tests shorten them). */
  eventStream?: AuditStreamHubTuning & AuditEventsTuning;
  /** false: do not start the cron scheduler (tests run jobs directly); `skip`: start every job but these. */
  scheduler?: boolean | { skip: readonly string[] };
  /** Per-call time limits of the store and of SSM, and how long a guard may take to decide (tests shorten them). */
  timeouts?: { storeMs?: number; ssmMs?: number; guardMs?: number };
  /** How long close() lets in-flight work finish before it stops what is left (default 10 s). */
  shutdownGraceMs?: number;
  /** How the caller's address is read (tests simulate a non-loopback caller). */
  remoteAddress?: RemoteAddress;
  /** Outbound HTTP for SNS signing certificates and subscription confirmations (tests serve them locally). */
  fetch?: FetchLike;
  /** How long a token naming an unknown OIDC key waits before the keys are fetched again (default 30 s). */
  oidcJwksCooldownMs?: number;
  /** Watching RUNBOOKS_DIR and POLICY_FILE: false turns it off; `pollMs` is the backup poll (default 5 s). */
  catalogueWatch?: false | { pollMs?: number };
}

export interface RunningBot {
  url: string;
  config: Config;
  deps: ServiceDeps;
  log: Logger;
  /** Resolves once Socket Mode is connected (or failed to); undefined over HTTP. */
  socketMode?: Promise<void>;
  /** Resolves when background work (diagnostics, executions, Slack posts) is done: for tests. */
  settle(): Promise<void>;
  /** Work queued right now: background tasks, and incidents with Slack messages or PagerDuty events still to deliver. */
  backlog(): { tasks: number; slack: number; pagerduty: number };
  /** Whether this replica is the one delivering to Slack and PagerDuty now. */
  delivering(): boolean;
  /** Reads RUNBOOKS_DIR and POLICY_FILE again and puts a valid change in force (what SIGHUP does). */
  reloadCatalogue(trigger?: ReloadTrigger): Promise<ReloadOutcome>;
  close(): Promise<void>;
}

const EMBEDDED_CREDENTIALS = { accessKeyId: 'embedded', secretAccessKey: 'embedded' };

/** The composition root: config → clients and stores → services → HTTP listener. */
export async function startBot(options: StartOptions): Promise<RunningBot> {
  const config = loadConfig(options.env);
  const secrets = SECRET_VARIABLES.map((k) => config[k]).filter((v): v is string => typeof v === 'string');
  const log = createLogger({ level: config.LOG_LEVEL, secrets, ...(options.logDestination ? { destination: options.logDestination } : {}) });
  const clock = options.clock ?? systemClock;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const catalogue = await loadCatalogue(config.RUNBOOKS_DIR, config.POLICY_FILE);
  const authorityProblem = (c: Catalogue) => {
    const names = Object.keys(c.policy.authorities);
    return names.includes(config.OPERATOR_TOKEN_AUTHORITY) ? undefined : `OPERATOR_TOKEN_AUTHORITY: expected an authority of ${config.POLICY_FILE} (${names.join(', ')}), got ${config.OPERATOR_TOKEN_AUTHORITY}`;
  };
  const startProblem = authorityProblem(catalogue);
  if (startProblem) throw new ConfigError(`invalid configuration: ${startProblem}`);

  const embedded = config.STORE === 'embedded' ? await startEmbeddedDynamo({ dataDir: config.DATA_DIR }) : undefined;
  const doc = embedded
    ? createDocumentClient({ endpoint: embedded.endpoint, region: 'us-east-1', credentials: EMBEDDED_CREDENTIALS, ...(options.timeouts?.storeMs ? { callTimeoutMs: options.timeouts.storeMs } : {}) })
    : createDocumentClient({
        ...(options.timeouts?.storeMs ? { callTimeoutMs: options.timeouts.storeMs } : {}),
        ...(config.AWS_ENDPOINT_URL_DYNAMODB ? { endpoint: config.AWS_ENDPOINT_URL_DYNAMODB } : {}),
        ...(config.AWS_REGION ? { region: config.AWS_REGION } : {}),
        ...(options.awsCredentials ? { credentials: options.awsCredentials } : {}),
      });
  if (embedded) await ensureTables(doc, config.TABLE_PREFIX);
  const stores = createDynamoStores({ doc, prefix: config.TABLE_PREFIX, clock });

  const ssm = createSsmClient({
    ...(options.timeouts?.ssmMs ? { callTimeoutMs: options.timeouts.ssmMs } : {}),
    ...(config.AWS_REGION ? { region: config.AWS_REGION } : {}),
    ...(config.AWS_ENDPOINT_URL_SSM ? { endpoint: config.AWS_ENDPOINT_URL_SSM } : {}),
    ...(options.awsCredentials ? { credentials: options.awsCredentials } : {}),
  });
  const metrics = createPrometheusMetrics({
    pagerQueueDepth: () => delivery.backlog().pagerduty,
    slackQueueDepth: () => delivery.backlog().slack,
    delivering: () => delivery.delivering(),
    incidentsByState: () => countUnresolvedIncidents(stores.incidents),
    cooldowns: async () => cooldownGauge(await stores.cooldowns.listActive(), clock.now()),
    killSwitches: () => stores.killSwitches.listEngaged(),
    eventStreamSubscribers: () => auditStream.hub.subscribers(),
    now: () => clock.now().getTime(),
  });
  const executor = createSsmExecutor({ client: ssm, log: log.child({ component: 'ssm' }), sleep, onRetry: (operation) => metrics.actionRetry(operation) });
  // Work after an answer: the workflow's (incidents, proposals, runs), and the adapters' (a click's
  // reply, a job tick), each tracked so settle() and shutdown wait for it.
  const coordinator = createWorkflowCoordinator(log);
  const tasks = createBackgroundTasks(log);
  const webClient = config.SLACK_BOT_TOKEN
    ? createSlackWebClient({
        token: config.SLACK_BOT_TOKEN,
        apiUrl: config.SLACK_API_URL,
        log: log.child({ component: 'slack-web' }),
        ...(options.delivery?.slackRequestTimeoutMs !== undefined ? { timeoutMs: options.delivery.slackRequestTimeoutMs } : {}),
      })
    : undefined;
  const pager = createPager({
    config,
    log,
    now: () => clock.now().getTime(),
    ...(webClient ? { slackUserIdFor: createEmailDirectory({ client: webClient, log }) } : {}),
  });

  const deps: ServiceDeps = {
    incidents: stores.incidents,
    proposals: stores.proposals,
    killSwitches: stores.killSwitches,
    rateLimits: stores.rateLimits,
    cooldowns: stores.cooldowns,
    audit: createAuditLog({ store: stores.audit, metrics, clock }),
    executor,
    pager,
    catalogue,
    clock,
    log,
    metrics,
    workflow: coordinator.workflow,
    dryRun: config.DRY_RUN,
    replicaId: randomUUID(),
    sleep,
    ...(config.SLACK_INCIDENT_CHANNEL ? { defaultChannel: config.SLACK_INCIDENT_CHANNEL } : {}),
    ...(options.pollIntervalMs ? { pollIntervalMs: options.pollIntervalMs } : {}),
    ...(config.PROMETHEUS_URL ? { prometheus: createPrometheusClient({ url: config.PROMETHEUS_URL, ...(config.PROMETHEUS_BEARER_TOKEN ? { bearerToken: config.PROMETHEUS_BEARER_TOKEN } : {}) }) } : {}),
    ...(options.timeouts?.guardMs ? { guardTimeoutMs: options.timeouts.guardMs } : {}),
  };
  coordinator.bind(deps);
  const auditLog = deps.audit;
  const catalogueReload = startCatalogueReload({ config, deps, log, validate: authorityProblem, ...(options.catalogueWatch !== undefined ? { watch: options.catalogueWatch } : {}) });
  const delivery = startDelivery({
    config,
    stores,
    auditLog,
    catalogue,
    ...(webClient ? { webClient } : {}),
    pager,
    clock,
    log,
    metrics,
    replicaId: deps.replicaId,
    tuning: {
      ...options.delivery,
      ...(options.slackMinIntervalMs !== undefined ? { slackPacing: { postIntervalMs: options.slackMinIntervalMs, ...options.delivery?.slackPacing } } : {}),
    },
  });

  const { replayWindowMs, dropGraceMs, maxStreamsPerClient, ...hubTuning } = options.eventStream ?? {};
  const auditStream = startAuditStream({ store: stores.audit, auditLog, clock, log, metrics, tuning: hubTuning });

  let slack: ReturnType<typeof createSlackApp> | undefined;
  if (config.SLACK_BOT_TOKEN && webClient) {
    // Read at each lookup: a reloaded policy may name other groups.
    const policyGroups = () => Object.values(deps.catalogue.policy.authorities).flatMap((a) => a.slack_usergroups);
    const client = webClient;
    slack = createSlackApp({
      botToken: config.SLACK_BOT_TOKEN,
      apiUrl: config.SLACK_API_URL,
      log,
      now: () => clock.now().getTime(),
      context: {
        deps,
        track: (key, work) => tasks.run(key, work),
        audit: stores.audit,
        drafts: stores.remediationDrafts,
        usergroupsOf: createUsergroupDirectory({ client, groups: policyGroups, log }),
      },
      replays: stores.replays,
      track: (() => {
        let n = 0;
        return (processing: Promise<void>) => void tasks.run(`slack-request:${(n += 1)}`, () => processing);
      })(),
      ...(config.SLACK_SIGNING_SECRET ? { signingSecret: config.SLACK_SIGNING_SECRET } : {}),
      ...(config.SLACK_APP_TOKEN ? { appToken: config.SLACK_APP_TOKEN } : {}),
    });
  }

  const shutdown = new AbortController();
  const app = createHttpApp({
    deps,
    audit: stores.audit,
    controls: stores.controls,
    registry: metrics.registry,
    log,
    remoteAddress:
      options.remoteAddress ??
      ((c) => {
        try {
          return getConnInfo(c).remote.address;
        } catch {
          return undefined;
        }
      }),
    ...(config.ALERT_WEBHOOK_TOKEN ? { alertWebhookToken: config.ALERT_WEBHOOK_TOKEN } : {}),
    operator: operatorSignIn(config, options.oidcJwksCooldownMs === undefined ? {} : { jwksCooldownMs: options.oidcJwksCooldownMs }),
    shutdown: shutdown.signal,
    auditStream: {
      hub: auditStream.hub,
      tuning: {
        ...(replayWindowMs !== undefined ? { replayWindowMs } : {}),
        ...(dropGraceMs !== undefined ? { dropGraceMs } : {}),
        ...(maxStreamsPerClient !== undefined ? { maxStreamsPerClient } : {}),
      },
    },
    ...(slack?.http ? { slack: slack.http } : {}),
    cloudwatch: {
      verifier: createSnsVerifier({ fetch: options.fetch ?? fetch, now: () => clock.now() }),
      subscriptions: stores.snsSubscriptions,
    },
  });

  const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
    const s = serve({ fetch: app.fetch, port: config.PORT, hostname: config.HOST }, () => resolve(s));
  });
  const address = server.address() as AddressInfo;
  const host = config.HOST === '0.0.0.0' || config.HOST === '::' ? '127.0.0.1' : config.HOST;
  const url = `http://${host}:${address.port}`;

  log.info({ url, store: config.STORE, dryRun: config.DRY_RUN, runbooks: catalogue.runbooks.length }, 'chatops bot listening');
  // Socket Mode connects after the listener is up and without holding start-up: Slack being
  // unreachable must not keep alerts and health checks unanswered (the client keeps retrying).
  const socketMode = config.SLACK_APP_TOKEN && slack ? slack.app.start().then(
    () => log.info('Slack Socket Mode connected'),
    (err: unknown) => log.error({ err }, 'Slack Socket Mode could not connect; buttons and commands are unavailable until it does'),
  ) : undefined;
  const missing = describeMissing(config);
  const queried = catalogue.runbooks.filter((rb) => rb.verify || rb.diagnostics.some((d) => d.promql)).length;
  if (!config.PROMETHEUS_URL && queried > 0) missing.push(`PROMETHEUS_URL unset: the PromQL diagnostics and verify checks of ${queried} runbook(s) are recorded as skipped`);
  if (missing.length > 0) log.warn(`not configured: ${missing.join('; ')}`);

  // A store that is down at start-up must not stop the listener: /readyz says so, ingestion
  // answers 503 (Alertmanager retries), and the work is resumed on the next restart or alert.
  await resumeWork(deps).catch((err: unknown) => log.error({ err }, 'could not resume work from the store'));

  const skippedJobs = typeof options.scheduler === 'object' ? options.scheduler.skip : [];
  const stopScheduler =
    options.scheduler === false
      ? () => undefined
      : startScheduler({ ...deps, snapshots: snapshotSink(config, options) }, stores.leases, jobs.filter((j) => !skippedJobs.includes(j.id)), (key, work) => tasks.run(key, work));

  const settle = async () => {
    for (let i = 0; i < 50; i++) {
      await coordinator.idle();
      await tasks.idle();
      await delivery.idle();
      // A page PagerDuty took after Slack went idle leaves a thread line to show: look again.
      const { slack, pagerduty } = delivery.backlog();
      if (coordinator.pending() + tasks.pending() + slack + pagerduty === 0) return;
    }
  };

  return {
    url,
    config,
    deps,
    log,
    settle,
    ...(socketMode ? { socketMode } : {}),
    backlog: () => ({ tasks: coordinator.pending() + tasks.pending(), ...delivery.backlog() }),
    delivering: () => delivery.delivering(),
    reloadCatalogue: (trigger = 'manual') => catalogueReload.reload(trigger),
    async close() {
      stopScheduler();
      catalogueReload.close();
      // Stop taking clicks and commands first, then let in-flight work finish.
      if (socketMode) await slack?.app.stop().catch((err: unknown) => log.warn({ err }, 'Socket Mode did not stop cleanly'));
      const graceMs = options.shutdownGraceMs ?? 10_000;
      // Waits for `work`, or for the grace period, whichever ends first.
      const withinGrace = (work: Promise<unknown>) => Promise.race([work, new Promise((r) => setTimeout(r, graceMs).unref())]);
      // Live streams never end by themselves; they would hold server.close() open.
      shutdown.abort();
      auditStream.close();
      await closeListener(server, graceMs);
      await withinGrace(settle());
      // What Slack or PagerDuty has not taken yet stays in the store: whichever replica delivers
      // next (this one restarted, or another) sends it. The lease is handed over at once.
      const left = delivery.backlog();
      await withinGrace(delivery.close());
      if (left.slack + left.pagerduty > 0) log.warn(left, 'stopped with deliveries left; the next replica to deliver sends them');
      ssm.destroy();
      doc.destroy();
      await embedded?.close();
    },
  };
}

/**
 * Stops listening and waits for requests in flight. Keep-alive connections with no request (a
 * browser keeps spare ones) would hold server.close() until their timeout, so idle connections are
 * closed as soon as they are idle; whatever is left when the caller stops waiting is cut.
 */
async function closeListener(server: ReturnType<typeof serve>, graceMs: number): Promise<void> {
  const http = server as Server;
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  const sweep = setInterval(() => http.closeIdleConnections?.(), 50);
  http.closeIdleConnections?.();
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([closed, new Promise<void>((resolve) => (timer = setTimeout(resolve, graceMs)))]);
  clearTimeout(timer);
  clearInterval(sweep);
  http.closeAllConnections?.();
}

/** DATA_DIR/snapshots, or S3 when SNAPSHOT_S3_BUCKET is set. */
function snapshotSink(config: Config, options: StartOptions): SnapshotSink {
  if (!config.SNAPSHOT_S3_BUCKET) return createFolderSnapshotSink(path.join(config.DATA_DIR, 'snapshots'));
  const client = createSnapshotS3Client({
    ...(config.AWS_REGION ? { region: config.AWS_REGION } : {}),
    ...(config.AWS_ENDPOINT_URL_S3 ? { endpoint: config.AWS_ENDPOINT_URL_S3 } : {}),
    ...(options.awsCredentials ? { credentials: options.awsCredentials } : {}),
  });
  return createS3SnapshotSink({ client, bucket: config.SNAPSHOT_S3_BUCKET, prefix: config.SNAPSHOT_S3_PREFIX });
}

async function main(): Promise<void> {
  // The AWS SDK versions are pinned for Node 20; their notice about future releases is noise here.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  let bot: RunningBot;
  try {
    bot = await startBot({ env: process.env });
  } catch (err) {
    if (err instanceof ConfigError || err instanceof CatalogueError) {
      console.error(`chatops-bot: ${err.message}`);
      process.exit(78); // EX_CONFIG
    }
    throw err;
  }
  const stop = (signal: string) => {
    bot.log.info({ signal }, 'shutting down: finishing in-flight work');
    void bot.close().then(() => process.exit(0));
  };
  // SIGHUP re-reads the runbooks and the policy (they are also watched); it never stops the bot.
  process.on('SIGHUP', () => {
    bot.log.info('SIGHUP: reloading the runbook catalogue');
    void bot.reloadCatalogue('sighup').catch((err: unknown) => bot.log.error({ err }, 'catalogue reload failed'));
  });
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) void main();
