import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { text } from 'node:stream/consumers';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CreateTableCommand } from '@aws-sdk/client-dynamodb';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { createDocumentClient, startEmbeddedDynamo } from '../../src/adapters/stores/index.js';
import { SECRETS } from '../../test/e2e/harness.js';
import { alertSequence, firingPayload } from '../alertmanager-payloads.js';
import { closeBenchHarness, startBenchHarness } from '../bench-harness.js';
import { closedLoop } from '../load.js';
import type { LoadResult } from '../load.js';
import { percentile } from '../percentiles.js';
import type { Row, Scenario } from '../row.js';

const ALERTS = 3000;
const GROUPS = 100;
const CONCURRENCY = 10;
const THROUGHPUT_RATIO = 0.6;
const P99_RATIO = 2;

/**
 * The floor under any webhook receiver on this store: an HTTP server that parses the same payload and
 * makes one conditional PutItem per alert, on an embedded dynalite of its own, nothing else.
 */
async function startBareServer(): Promise<{ url: string; close(): Promise<void> }> {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'chatops-bare-'));
  const dynamo = await startEmbeddedDynamo({ dataDir });
  const doc = createDocumentClient({ endpoint: dynamo.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'bare', secretAccessKey: 'bare' } });
  await doc.send(new CreateTableCommand({ TableName: 'alerts', BillingMode: 'PAY_PER_REQUEST', AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }], KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }] }));
  const server = createServer((req, res) => {
    void (async () => {
      try {
        const body = JSON.parse(await text(req)) as { groupKey: string; alerts: { fingerprint: string; status: string; startsAt: string }[] };
        for (const alert of body.alerts) {
          await doc
            .send(new PutCommand({ TableName: 'alerts', Item: { pk: `${body.groupKey}#${alert.fingerprint}`, ...alert }, ConditionExpression: 'attribute_not_exists(pk) OR startsAt <> :s', ExpressionAttributeValues: { ':s': alert.startsAt } }))
            .catch((err: { name?: string }) => {
              if (err.name !== 'ConditionalCheckFailedException') throw err;
            });
        }
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ accepted: body.alerts.length }));
      } catch {
        res.writeHead(503).end();
      }
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    async close() {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
      doc.destroy();
      await dynamo.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

function figures(result: LoadResult): { perMinute: number; p99: number; failures: number } {
  return { perMinute: (result.samples.length / result.wallMs) * 60_000, p99: percentile(result.samples.map((s) => s.ms), 99), failures: result.failures };
}

async function runBare(payloads: readonly string[]): Promise<LoadResult> {
  const bare = await startBareServer();
  try {
    return await closedLoop(payloads.length, CONCURRENCY, (i) => fetch(`${bare.url}/alerts/alertmanager`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: payloads[i] }));
  } finally {
    await bare.close();
  }
}

async function runBot(payloads: readonly string[]): Promise<LoadResult> {
  const h = await startBenchHarness();
  try {
    return await closedLoop(payloads.length, CONCURRENCY, (i) =>
      fetch(`${h.bot.url}/alerts/alertmanager`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${SECRETS.ALERT_WEBHOOK_TOKEN}` }, body: payloads[i] }),
    );
  } finally {
    await closeBenchHarness(h);
  }
}

/** Rounds of each, alternating, after a warm-up round of each whose figures are not kept. */
const ROUNDS = 3;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;

/**
 * Issue 8's ingest target, side by side in one run: the bot against the bare server above, on the
 * same 3,000 single-alert Alertmanager webhooks over 100 groups, 10 senders at once. The bot does
 * everything it does in production meanwhile (proposals, Slack delivery at Slack's pace), in this
 * process, as the bare server does its puts in this process. A warm-up round of each first (the
 * first server of a process runs on code the JIT has not compiled yet: the SDK and dynalite are
 * shared, so whichever ran first would pay for both), then the two in turn, each on a fresh store;
 * the figures are the medians of the rounds.
 */
export const ingestVsBareScenario: Scenario = {
  name: `Ingest vs a bare parse-and-put server: ${ALERTS} single-alert webhooks, ${CONCURRENCY} senders`,
  async run(): Promise<Row[]> {
    const refs = alertSequence(ALERTS, GROUPS);
    const payloads = refs.map((r) => JSON.stringify(firingPayload(r)));
    const warmUp = payloads.slice(0, ALERTS / 5);
    await runBare(warmUp);
    await runBot(warmUp);
    const bare: ReturnType<typeof figures>[] = [];
    const bot: ReturnType<typeof figures>[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      bare.push(figures(await runBare(payloads)));
      bot.push(figures(await runBot(payloads)));
    }
    const b = { perMinute: median(bare.map((r) => r.perMinute)), p99: median(bare.map((r) => r.p99)) };
    const o = { perMinute: median(bot.map((r) => r.perMinute)), p99: median(bot.map((r) => r.p99)) };
    const failures = [...bare, ...bot].reduce((n, r) => n + r.failures, 0);
    const ratio = o.perMinute / b.perMinute;
    const p99Ratio = o.p99 / b.p99;
    return [
      { name: 'ingest bare server throughput', value: b.perMinute, unit: `alerts/min (median of ${ROUNDS})` },
      { name: 'ingest bot throughput', value: o.perMinute, unit: `alerts/min (median of ${ROUNDS})` },
      { name: 'ingest bot / bare throughput', value: ratio, unit: '×', target: `≥ ${THROUGHPUT_RATIO}`, pass: ratio >= THROUGHPUT_RATIO },
      { name: 'ingest bare server p99', value: b.p99, unit: `ms (median of ${ROUNDS})` },
      { name: 'ingest bot p99', value: o.p99, unit: `ms (median of ${ROUNDS})` },
      { name: 'ingest bot / bare p99', value: p99Ratio, unit: '×', target: `≤ ${P99_RATIO}`, pass: p99Ratio <= P99_RATIO },
      { name: 'ingest non-2xx answers (bare, bot)', value: failures, unit: 'requests', target: '= 0', pass: failures === 0 },
    ];
  },
};
