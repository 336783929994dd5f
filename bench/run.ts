import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { cloudwatchSnsScenario } from './scenarios/cloudwatch-sns.js';
import { guardChainScenario } from './scenarios/guard-chain.js';
import { ingestScenario } from './scenarios/ingest.js';
import { ingestVsBareScenario } from './scenarios/ingest-vs-bare.js';
import { stormScenario } from './scenarios/storm.js';
import { timeToRemediateScenario } from './scenarios/time-to-remediate.js';
import { killSwitchScenario } from './scenarios/kill-switch.js';
import { memoryScenario } from './scenarios/memory.js';
import { slackAckScenario } from './scenarios/slack-ack.js';
import { slackAckVsBoltScenario } from './scenarios/slack-ack-vs-bolt.js';
import type { Row, Scenario } from './row.js';

/**
 * `npm run bench [-- word ...]`: runs each scenario (or only those whose name contains one of the
 * words) against a fresh bot on the embedded store and prints one table. A report, not
 * a test: a missed target prints FAIL and the exit code stays 0; only a scenario that could not run
 * at all sets exit code 1, since then its figures are missing.
 */
const scenarios: Scenario[] = [
  // First, while the machine is quiet: it runs the bot in a process of its own (npm start).
  memoryScenario,
  ingestScenario({ kind: 'paced', alertsPerSecond: 50 }),
  ingestScenario({ kind: 'burst', concurrency: 10 }),
  ingestVsBareScenario,
  timeToRemediateScenario,
  stormScenario,
  slackAckScenario,
  slackAckVsBoltScenario,
  cloudwatchSnsScenario,
  guardChainScenario,
  killSwitchScenario,
];

function format(value: number): string {
  if (Number.isNaN(value)) return 'n/a';
  if (Number.isInteger(value)) return String(value);
  // Two decimals below 10, so a ratio of 0.58 against a target of 0.6 does not print as "0.6 FAIL".
  return value >= 100 ? value.toFixed(0) : value >= 10 ? value.toFixed(1) : value.toFixed(2);
}

function verdict(row: Row): string {
  if (row.pass === undefined) return '';
  return row.pass ? 'PASS' : 'FAIL';
}

function printTable(rows: Row[]): void {
  const cells = rows.map((r) => [r.name, format(r.value), r.unit, r.target ?? '', verdict(r)]);
  const header = ['metric', 'value', 'unit', 'target', 'result'];
  const widths = header.map((h, col) => Math.max(h.length, ...cells.map((c) => c[col]!.length)));
  const line = (c: string[]) => c.map((cell, col) => (col === 1 ? cell.padStart(widths[col]!) : cell.padEnd(widths[col]!))).join('  ').trimEnd();
  console.log(line(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const c of cells) console.log(line(c));
}

function mb(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(0)} MB`;
}

async function main(): Promise<void> {
  // As `npm start` does: the SDK's Node 20 end-of-support notice would land in the middle of the report.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const cpus = os.cpus();
  console.log(`chatops bench: ${cpus.length} CPUs (${cpus[0]?.model.trim() ?? 'unknown'}), ${mb(os.totalmem())} RAM, node ${process.version}, ${os.platform()}/${os.arch()}`);
  const [load1] = os.loadavg();
  console.log(`load average before the run: ${load1?.toFixed(2)}${load1 !== undefined && load1 > cpus.length / 2 ? ` on ${cpus.length} CPUs: other processes may be taking CPU and inflating the figures` : ''}`);
  console.log('store: embedded (dynalite, temp DATA_DIR), DRY_RUN=true unless a scenario says otherwise; the memory scenario runs npm start in its own process, the others run the bot in this one, next to the fake Slack and the load generator\n');
  const words = process.argv.slice(2).map((w) => w.toLowerCase());
  const chosen = words.length === 0 ? scenarios : scenarios.filter((s) => words.some((w) => s.name.toLowerCase().includes(w)));
  const rows: Row[] = [];
  const started = performance.now();
  for (const scenario of chosen) {
    const t0 = performance.now();
    process.stdout.write(`running: ${scenario.name} ... `);
    try {
      const result = await scenario.run();
      rows.push(...result);
      console.log(`${((performance.now() - t0) / 1000).toFixed(1)} s`);
    } catch (err) {
      console.log('did not complete');
      console.error(err);
      process.exitCode = 1;
    }
  }
  console.log('');
  printTable(rows);
  const targeted = rows.filter((r) => r.pass !== undefined);
  const failed = targeted.filter((r) => !r.pass);
  const memory = process.memoryUsage();
  console.log('');
  console.log(`targets: ${targeted.length - failed.length}/${targeted.length} PASS${failed.length ? `; FAIL: ${failed.map((r) => r.name).join(', ')}` : ''}`);
  console.log(`bench process RSS after the run: ${mb(memory.rss)} (peak ${mb(process.resourceUsage().maxRSS * 1024)}), heap used ${mb(memory.heapUsed)}; total ${((performance.now() - started) / 1000).toFixed(1)} s`);
}

await main();
