import { setTimeout as sleep } from 'node:timers/promises';
import type { StartOptions } from '../src/main.js';
import { startHarness, USERS } from '../test/e2e/harness.js';
import type { FakeSlack, Harness } from '../test/e2e/harness.js';

/** Slack and PagerDuty delivery as in production (the tests' harness shortens every timing). */
export const PRODUCTION_DELIVERY: NonNullable<StartOptions['delivery']> = {
  slackPacing: { postIntervalMs: 1100, updatesPerWindow: 45, updateWindowMs: 60_000 },
  slackUpdateSettleMs: 1000,
  slackBackoff: { baseMs: 1000, maxMs: 60_000 },
  pagerdutyBackoff: { baseMs: 1000, maxMs: 5 * 60_000, rateLimitedMs: 30_000 },
  leaseMs: 15_000,
  pollMs: 1000,
};

/** Slack's own limits, which the fake Slack enforces in the scenarios that measure Slack. */
export const SLACK_LIMITS = { postIntervalMs: 1000, updatesPerMinute: 50 };

/**
 * What every scenario's bot runs with: nothing is executed (DRY_RUN), and only warnings are logged,
 * into the harness's memory rather than stdout, so the report stays readable.
 */
const BENCH_ENV = { DRY_RUN: 'true', LOG_LEVEL: 'warn' };

/** pino's level numbers: 40 is warn, 50 error, 60 fatal. */
const WARN = 40;

/**
 * A fresh bot on a fresh embedded store, with a workspace like a real one: the policy's ON_CALL_SRE
 * user group exists. Without it every click would look the group up again and log a warning.
 * `env` overrides BENCH_ENV: the guard scenarios need DRY_RUN=false, since the chain's dry-run
 * step would otherwise refuse every action before the cooldown, rate-limit and approval reads.
 * `options` reach startBot (a scenario's own clock, say).
 */
export async function startBenchHarness(env: Record<string, string> = {}, options: Partial<StartOptions> = {}, fakes: { slack?: FakeSlack } = {}): Promise<Harness> {
  // Slack's real pacing (one post a second per channel, Tier 3 updates), as in production: the
  // tests' harness turns it off, which would make the fake Slack far busier than Slack makes us.
  const h = await startHarness({ ...BENCH_ENV, ...env }, { slackMinIntervalMs: PRODUCTION_DELIVERY.slackPacing?.postIntervalMs ?? 1100, ...options, delivery: { ...PRODUCTION_DELIVERY, ...options.delivery } }, fakes);
  h.slack.setUsergroup('S01ABCDEF', [USERS.sre]);
  return h;
}

/**
 * dynalite answers a Query while its value stream is still reading ahead; closing the database
 * under that read throws an uncaught "Iterator is not open" and ends the process. A short pause
 * after the last request lets the read-ahead finish.
 */
export async function closeBenchHarness(h: Harness): Promise<void> {
  await sleep(100);
  await h.close();
}

/** Whether one line of the bot's output is a log line at warn or worse; a line that is not JSON counts. */
export function isWarning(line: string): boolean {
  try {
    return ((JSON.parse(line) as { level?: number }).level ?? 0) >= WARN;
  } catch {
    return true;
  }
}

/** How many captured log lines are warnings or worse: a run that logs many did not go as measured. */
export function warnings(logs: readonly string[]): number {
  let n = 0;
  for (const chunk of logs) for (const line of chunk.split('\n')) if (line && isWarning(line)) n += 1;
  return n;
}
