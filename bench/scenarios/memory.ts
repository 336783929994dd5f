import { setTimeout as sleep } from 'node:timers/promises';
import { alertSequence, firingPayload } from '../alertmanager-payloads.js';
import { startBotProcess } from '../bot-process.js';
import { closedLoop } from '../load.js';
import type { LoadResult } from '../load.js';
import { percentile } from '../percentiles.js';
import { belowTarget, exactTarget } from '../row.js';
import type { Row, Scenario } from '../row.js';

const ALERTS = 10_000;
const GROUPS = 500;
const CONCURRENCY = 20;
/** Issue 4: the bot should fit a small container. */
const RSS_TARGET_MB = 200;
/** After the last alert: the background work (thread updates, paced by Slack) goes on meanwhile. */
const SETTLE_MS = 15_000;
const SAMPLE_EVERY_MS = 500;

const RSS = 'chatops_process_resident_memory_bytes';
const HEAP_USED = 'chatops_nodejs_heap_size_used_bytes';
const HEAP_TOTAL = 'chatops_nodejs_heap_size_total_bytes';
const SLACK_QUEUE = 'chatops_slack_queue_depth';

function mb(bytes: number | undefined): number {
  return bytes === undefined ? Number.NaN : bytes / 1024 / 1024;
}

function incidentsIn(result: LoadResult): number {
  const ids = new Set<string>();
  for (const { body } of result.samples) for (const id of (body as { incidents?: string[] }).incidents ?? []) ids.add(id);
  return ids.size;
}

/**
 * 10,000 single-alert Alertmanager webhooks over 500 groups (20 alerts an incident, the ingest
 * scenarios' labels), from 20 senders at once, into the bot started with `npm start` in a process
 * of its own (embedded store, DRY_RUN=true, Slack paced as Slack paces); then 15 s more of its
 * background work. The figures are the bot's own, read from its /metrics as an operator would:
 * RSS covers the bot with its embedded store (dynalite and LevelDB run inside it); the fakes and
 * the load generator are in the bench process and not counted.
 */
export const memoryScenario: Scenario = {
  name: `Memory, ${ALERTS} alerts over ${GROUPS} incidents, concurrency ${CONCURRENCY}, npm start in its own process`,
  async run(): Promise<Row[]> {
    const bot = await startBotProcess();
    try {
      const refs = alertSequence(ALERTS, GROUPS);
      const before = await bot.metrics();
      let peak = before[RSS] ?? 0;
      let sampling = true;
      const sampler = (async () => {
        while (sampling) {
          await sleep(SAMPLE_EVERY_MS);
          peak = Math.max(peak, (await bot.metrics())[RSS] ?? 0);
        }
      })();
      const result = await closedLoop(ALERTS, CONCURRENCY, (i) => bot.postAlert('/alerts/alertmanager', firingPayload(refs[i]!)));
      await sleep(SETTLE_MS);
      sampling = false;
      await sampler;
      const after = await bot.metrics();
      const split = await bot.residentSplit();
      peak = Math.max(peak, after[RSS] ?? 0);
      if (result.errors.length > 0) console.error(`\nmemory: first failures:\n  ${result.errors.join('\n  ')}`);

      const latencies = result.samples.map((s) => s.ms);
      return [
        belowTarget(`memory: bot RSS ${SETTLE_MS / 1000} s after the last alert (bot and its embedded store)`, mb(after[RSS]), 'MB', RSS_TARGET_MB),
        { name: 'memory: bot RSS after start-up, before the alerts', value: mb(before[RSS]), unit: 'MB' },
        { name: 'memory: bot RSS peak while ingesting and settling', value: mb(peak), unit: 'MB' },
        ...(split
          ? [
              { name: 'memory:   of which anonymous (JS heap, native allocations)', value: mb(split.anon), unit: 'MB' },
              { name: 'memory:   of which file-backed (node binary, LevelDB tables)', value: mb(split.file), unit: 'MB' },
            ]
          : []),
        { name: 'memory: JS heap used / total after', value: mb(after[HEAP_USED]), unit: `MB of ${mb(after[HEAP_TOTAL]).toFixed(0)} MB` },
        exactTarget('memory: non-2xx answers', result.failures, 'requests', 0),
        exactTarget('memory: incidents opened', incidentsIn(result), 'incidents', GROUPS),
        { name: 'memory: ingest throughput', value: (result.samples.length / result.wallMs) * 1000, unit: 'alerts/s' },
        { name: `memory: ingest latency p99 at concurrency ${CONCURRENCY}`, value: percentile(latencies, 99), unit: 'ms' },
        { name: 'memory: Slack calls queued at the reading', value: after[SLACK_QUEUE] ?? Number.NaN, unit: 'calls' },
        { name: 'memory: warnings logged', value: bot.warnings(), unit: 'lines' },
      ];
    } finally {
      await bot.stop();
    }
  },
};
