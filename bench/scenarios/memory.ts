import { setTimeout as sleep } from 'node:timers/promises';
import { alertSequence, firingPayload } from '../alertmanager-payloads.js';
import { closeBenchHarness, startBenchHarness, warnings } from '../bench-harness.js';
import { collectGarbage } from '../gc.js';
import { closedLoop } from '../load.js';
import type { LoadResult } from '../load.js';
import { belowTarget, exactTarget } from '../row.js';
import type { Row, Scenario } from '../row.js';

const ALERTS = 10_000;
const GROUPS = 500;
const CONCURRENCY = 20;
/** Issue 4: the bot should fit a small container alongside nothing else. */
const RSS_TARGET_MB = 200;
/** Slack takes a post a second, so the thread updates of 500 incidents drain for far longer. */
const SETTLE_LIMIT_MS = 30_000;
const SAMPLE_EVERY_MS = 250;

function mb(bytes: number): number {
  return bytes / 1024 / 1024;
}

function incidentsIn(result: LoadResult): number {
  const ids = new Set<string>();
  for (const { body } of result.samples) for (const id of (body as { incidents?: string[] }).incidents ?? []) ids.add(id);
  return ids.size;
}

/** Samples the process's RSS until stopped; returns the highest reading. */
function watchPeakRss(): () => number {
  let peak = process.memoryUsage.rss();
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage.rss());
  }, SAMPLE_EVERY_MS);
  return () => {
    clearInterval(timer);
    return Math.max(peak, process.memoryUsage.rss());
  };
}

/**
 * 10,000 single-alert Alertmanager webhooks over 500 groups (20 alerts an incident, the ingest
 * scenarios' labels) into a fresh bot on the embedded store (DRY_RUN=true), from 20 senders at once,
 * then at most 30 s for the background work. RSS is the whole process: the bot, dynalite with its
 * LevelDB, the fake Slack and the load generator, so it overstates the bot's own. The growth over
 * the alerts leaves out start-up (code, modules) but not dynalite, whose LevelDB table files are
 * mapped into the process and grow with the data; the heap figures are JavaScript objects only.
 * Readings follow a full garbage collection when one can be forced. The Slack backlog still
 * queued at the reading is part of what is held.
 */
export const memoryScenario: Scenario = {
  name: `Memory, ${ALERTS} alerts over ${GROUPS} incidents, concurrency ${CONCURRENCY}`,
  async run(): Promise<Row[]> {
    const h = await startBenchHarness();
    try {
      const refs = alertSequence(ALERTS, GROUPS);
      const gcForced = collectGarbage();
      const before = process.memoryUsage();
      const stopWatching = watchPeakRss();
      const result = await closedLoop(ALERTS, CONCURRENCY, (i) => h.postAlert('/alerts/alertmanager', firingPayload(refs[i]!)));
      await Promise.race([h.settle(), sleep(SETTLE_LIMIT_MS)]);
      const peak = stopWatching();
      const backlog = h.bot.backlog();
      collectGarbage();
      const after = process.memoryUsage();
      if (result.errors.length > 0) console.error(`\nmemory: first failures:\n  ${result.errors.join('\n  ')}`);

      const reading = gcForced ? 'after GC' : 'no GC forced';
      return [
        belowTarget(`memory: RSS after, whole process: bot, dynalite, fake Slack, senders (${reading})`, mb(after.rss), 'MB', RSS_TARGET_MB),
        { name: 'memory: RSS before the alerts', value: mb(before.rss), unit: 'MB' },
        { name: 'memory: RSS growth over the alerts', value: mb(after.rss - before.rss), unit: 'MB' },
        { name: 'memory: RSS peak while ingesting and settling', value: mb(peak), unit: 'MB' },
        { name: `memory: heap used after (${reading})`, value: mb(after.heapUsed), unit: 'MB' },
        { name: 'memory: heap used growth over the alerts', value: mb(after.heapUsed - before.heapUsed), unit: 'MB' },
        { name: 'memory: external (Buffers, outside the JS heap) after', value: mb(after.external), unit: 'MB' },
        exactTarget('memory: non-2xx answers', result.failures, 'requests', 0),
        exactTarget('memory: incidents opened', incidentsIn(result), 'incidents', GROUPS),
        { name: 'memory: ingest throughput', value: (result.samples.length / result.wallMs) * 1000, unit: 'alerts/s' },
        { name: 'memory: background tasks queued at the reading', value: backlog.tasks, unit: 'tasks' },
        { name: 'memory: Slack calls queued at the reading', value: backlog.slack, unit: 'calls' },
        { name: 'memory: warnings logged', value: warnings(h.logs), unit: 'lines' },
      ];
    } finally {
      await closeBenchHarness(h);
      // The background work Slack's pacing left queued fails out against the closed store within
      // a second or two; the next scenario should not share the CPU with it.
      for (let waited = 0; h.bot.backlog().tasks > 0 && waited < SETTLE_LIMIT_MS; waited += 100) await sleep(100);
    }
  },
};
