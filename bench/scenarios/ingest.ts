import { alertSequence, firingPayload } from '../alertmanager-payloads.js';
import { closeBenchHarness, startBenchHarness, warnings } from '../bench-harness.js';
import { eventLoopRows, watchEventLoop } from '../event-loop.js';
import { closedLoop, openLoop } from '../load.js';
import type { LoadResult } from '../load.js';
import { percentile } from '../percentiles.js';
import { exactTarget, latencyRows } from '../row.js';
import type { Row, Scenario } from '../row.js';

const ALERTS = 1000;
const GROUPS = 100;
/** Alertmanager waits for the answer before it sends the group's next notification. */
const P99_TARGET_MS = 100;

export type IngestLoad = { kind: 'paced'; alertsPerSecond: number } | { kind: 'burst'; concurrency: number };

function incidentsIn(result: LoadResult): number {
  const ids = new Set<string>();
  for (const { body } of result.samples) for (const id of (body as { incidents?: string[] }).incidents ?? []) ids.add(id);
  return ids.size;
}

/**
 * 1,000 single-alert Alertmanager webhooks over 100 groups into a fresh bot on the embedded store,
 * either paced (open loop) or as fast as `concurrency` senders go. Latency is send → 2xx, which the
 * route answers only once the alert and its audit record are stored. Diagnostics, proposals and
 * Slack posts run in the background meanwhile, as in production, and compete for the same CPU. Slack
 * takes about one post a second per channel, so a storm leaves a Slack backlog that drains for
 * minutes: the scenario reports it and waits at most 30 s for the rest of the background work.
 */
export function ingestScenario(load: IngestLoad): Scenario {
  const paced = load.kind === 'paced';
  const label = paced ? `ingest @${load.alertsPerSecond}/s` : `ingest burst c=${load.concurrency}`;
  return {
    name: paced ? `Webhook ingest, ${ALERTS} alerts paced at ${load.alertsPerSecond}/s (open loop)` : `Webhook ingest, ${ALERTS} alerts as fast as possible, concurrency ${load.concurrency}`,
    async run(): Promise<Row[]> {
      const h = await startBenchHarness();
      try {
        const refs = alertSequence(ALERTS, GROUPS);
        const send = (i: number) => h.postAlert('/alerts/alertmanager', firingPayload(refs[i]!));
        const stopWatching = watchEventLoop();
        const result = paced ? await openLoop(ALERTS, 1000 / load.alertsPerSecond, send) : await closedLoop(ALERTS, load.concurrency, send);
        const eventLoop = stopWatching();
        const backlog = h.bot.backlog();
        await Promise.race([h.settle(), new Promise((r) => setTimeout(r, 30_000))]);
        const after = h.bot.backlog();
        if (result.errors.length > 0) console.error(`\n${label}: first failures:\n  ${result.errors.join('\n  ')}`);

        return [
          ...latencyRows(label, result.samples.map((s) => s.ms), paced ? P99_TARGET_MS : undefined),
          { name: `${label} throughput`, value: (result.samples.length / result.wallMs) * 1000, unit: 'alerts/s' },
          exactTarget(`${label} non-2xx answers`, result.failures, 'requests', 0),
          exactTarget(`${label} incidents opened`, incidentsIn(result), 'incidents', GROUPS),
          ...(paced ? [{ name: `${label} send lag p99`, value: percentile(result.sendLagMs, 99), unit: 'ms' }] : []),
          ...eventLoopRows(label, eventLoop),
          { name: `${label} background tasks queued at end`, value: backlog.tasks, unit: 'tasks' },
          { name: `${label} Slack calls queued at end`, value: backlog.slack, unit: 'calls' },
          { name: `${label} Slack calls queued 30 s later`, value: after.slack, unit: 'calls' },
          { name: `${label} warnings logged`, value: warnings(h.logs), unit: 'lines' },
        ];
      } finally {
        await closeBenchHarness(h);
      }
    },
  };
}
