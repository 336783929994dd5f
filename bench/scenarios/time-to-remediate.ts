import { performance } from 'node:perf_hooks';
import { SECRETS } from '../../test/e2e/harness.js';
import { ecsAlert } from '../../test/e2e/delivery-helpers.js';
import { startFakeSlackApi } from '../../test/fakes/fake-slack-api.js';
import { closeBenchHarness, SLACK_LIMITS, startBenchHarness } from '../bench-harness.js';
import type { Row, Scenario } from '../row.js';

const INCIDENTS = 20;
const ACTION = 'ChatOps-ECSForceNewDeployment';
const RATIO_TARGET = 1.2;
const SLACK_OFF = { SLACK_BOT_TOKEN: '', SLACK_SIGNING_SECRET: '', SLACK_INCIDENT_CHANNEL: '' };

/**
 * Seconds from sending 20 low-risk alerts at once (20 services, one channel) to each action's
 * StartAutomationExecution reaching the (fake) SSM. Run twice in one go: with Slack on, paced as
 * Slack paces (1 post/s per channel, about 50 updates/min, enforced by the fake with 429s), and
 * with Slack off. Remediation must not wait on chat: the two should match.
 */
async function run(slackOn: boolean): Promise<{ startsS: number[]; slackCalls: number; rateLimited: number }> {
  const slack = slackOn ? await startFakeSlackApi({ pacing: SLACK_LIMITS }) : undefined;
  const h = await startBenchHarness({ DRY_RUN: 'false', ...(slackOn ? {} : SLACK_OFF) }, {}, slack ? { slack } : {});
  try {
    const t0 = performance.now();
    const sentAt = Date.now();
    const answers = await Promise.all(Array.from({ length: INCIDENTS }, (_, i) => fetch(`${h.bot.url}/alerts/alertmanager`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${SECRETS.ALERT_WEBHOOK_TOKEN}` }, body: JSON.stringify(ecsAlert(`svc-${i}`)) })));
    if (answers.some((a) => !a.ok)) throw new Error(`alerts refused: ${answers.map((a) => a.status).join(', ')}`);
    const deadline = t0 + 120_000;
    const starts = () => h.ssm.executions.filter((e) => e.documentName === ACTION);
    while (starts().length < INCIDENTS && performance.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    const startsS = starts().map((e) => (e.startedAt.getTime() - sentAt) / 1000).sort((a, b) => a - b);
    return { startsS, slackCalls: slack ? slack.calls.filter((c) => c.method !== 'response_url').length : 0, rateLimited: slack ? slack.rateLimited().length : 0 };
  } finally {
    await closeBenchHarness(h);
    await slack?.close();
  }
}

/** Rounds of each, alternating, after one warm-up round whose figures are not kept. */
const ROUNDS = 3;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;

export const timeToRemediateScenario: Scenario = {
  name: `Time to remediate: ${INCIDENTS} low-risk incidents at once, Slack paced as Slack vs Slack off`,
  async run(): Promise<Row[]> {
    // The first bot of a process runs on code not yet compiled by the JIT: a warm-up round, then
    // the two settings in turn, so neither gets the cold start or a busy spell of the machine.
    await run(true);
    const on: Awaited<ReturnType<typeof run>>[] = [];
    const off: Awaited<ReturnType<typeof run>>[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      off.push(await run(false));
      on.push(await run(true));
    }
    const last = (r: { startsS: number[] }) => r.startsS.at(-1) ?? NaN;
    const lastOn = median(on.map(last));
    const lastOff = median(off.map(last));
    // The ratio of two small numbers: below 100 ms both are as fast as the machine lets them be.
    const ratio = Math.max(lastOn, 0.1) / Math.max(lastOff, 0.1);
    const allStarted = on.every((r) => r.startsS.length === INCIDENTS);
    return [
      { name: 'remediate, Slack off: actions started', value: Math.min(...off.map((r) => r.startsS.length)), unit: `of ${INCIDENTS} (fewest of ${ROUNDS} rounds)` },
      { name: 'remediate, Slack off: median start', value: median(off.map((r) => median(r.startsS))), unit: 's (median of rounds)' },
      { name: 'remediate, Slack off: last start', value: lastOff, unit: 's (median of rounds)' },
      { name: 'remediate, Slack paced: actions started', value: Math.min(...on.map((r) => r.startsS.length)), unit: `of ${INCIDENTS} (fewest of ${ROUNDS} rounds)`, target: `= ${INCIDENTS}`, pass: allStarted },
      { name: 'remediate, Slack paced: median start', value: median(on.map((r) => median(r.startsS))), unit: 's (median of rounds)' },
      { name: 'remediate, Slack paced: last start', value: lastOn, unit: 's (median of rounds)' },
      { name: 'remediate, last start paced / off', value: ratio, unit: '×', target: `≤ ${RATIO_TARGET}`, pass: ratio <= RATIO_TARGET },
      { name: 'remediate, Slack calls by then / 429s', value: Math.max(...on.map((r) => r.slackCalls)), unit: `calls (most of ${ROUNDS} rounds), ${Math.max(...on.map((r) => r.rateLimited))} rate-limited` },
    ];
  },
};
