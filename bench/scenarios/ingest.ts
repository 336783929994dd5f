import { performance } from 'node:perf_hooks';
import { startHarness } from '../../test/e2e/harness.js';
import { alertSequence, firingPayload } from '../alertmanager-payloads.js';
import { closedLoop, openLoop } from '../load.js';
import type { LoadResult } from '../load.js';
import { percentile } from '../percentiles.js';
import { exactTarget, latencyRows } from '../row.js';
import type { Row, Scenario } from '../row.js';
import { BENCH_ENV, warnings } from './bench-env.js';

const ALERTS = 1000;
const GROUPS = 100;
/** Alertmanager's answer must come quickly: it waits for it before sending the group's next notification. */
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
 * Slack posts run in the background meanwhile, as in production, and compete for the same CPU.
 */
export function ingestScenario(load: IngestLoad): Scenario {
  const label = load.kind === 'paced' ? `ingest @${load.alertsPerSecond}/s` : `ingest burst c=${load.concurrency}`;
  return {
    name: load.kind === 'paced' ? `Webhook ingest, ${ALERTS} alerts paced at ${load.alertsPerSecond}/s (open loop)` : `Webhook ingest, ${ALERTS} alerts as fast as possible, concurrency ${load.concurrency}`,
    async run(): Promise<Row[]> {
      const h = await startHarness(BENCH_ENV);
      try {
        const refs = alertSequence(ALERTS, GROUPS);
        const send = (i: number) => h.postAlert('/alerts/alertmanager', firingPayload(refs[i]!));
        const result = load.kind === 'paced' ? await openLoop(ALERTS, 1000 / load.alertsPerSecond, send) : await closedLoop(ALERTS, load.concurrency, send);
        const answered = performance.now();
        await h.settle();
        const settledAfterMs = performance.now() - answered;
        if (result.errors.length > 0) console.error(`${label}: first failures:\n  ${result.errors.join('\n  ')}`);

        const latencies = result.samples.map((s) => s.ms);
        const rows: Row[] = [
          ...latencyRows(label, latencies, load.kind === 'paced' ? P99_TARGET_MS : undefined),
          { name: `${label} throughput`, value: (result.samples.length / result.wallMs) * 1000, unit: 'alerts/s' },
          exactTarget(`${label} non-2xx answers`, result.failures, 'requests', 0),
          exactTarget(`${label} incidents opened`, incidentsIn(result), 'incidents', GROUPS),
        ];
        if (load.kind === 'paced') rows.push({ name: `${label} send lag p99`, value: percentile(result.sendLagMs, 99), unit: 'ms' });
        rows.push({ name: `${label} background settled after`, value: settledAfterMs / 1000, unit: 's' });
        rows.push({ name: `${label} warnings logged`, value: warnings(h.logs), unit: 'lines' });
        return rows;
      } finally {
        await h.close();
      }
    },
  };
}
