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

export const timeToRemediateScenario: Scenario = {
  name: `Time to remediate: ${INCIDENTS} low-risk incidents at once, Slack paced as Slack vs Slack off`,
  async run(): Promise<Row[]> {
    const on = await run(true);
    const off = await run(false);
    const median = (xs: number[]) => xs[Math.floor(xs.length / 2)] ?? NaN;
    const lastOn = on.startsS.at(-1) ?? NaN;
    const lastOff = off.startsS.at(-1) ?? NaN;
    // The ratio of two small numbers: below 100 ms both are as fast as the machine lets them be.
    const ratio = Math.max(lastOn, 0.1) / Math.max(lastOff, 0.1);
    return [
      { name: 'remediate, Slack off: actions started', value: off.startsS.length, unit: `of ${INCIDENTS}` },
      { name: 'remediate, Slack off: median start', value: median(off.startsS), unit: 's' },
      { name: 'remediate, Slack off: last start', value: lastOff, unit: 's' },
      { name: 'remediate, Slack paced: actions started', value: on.startsS.length, unit: `of ${INCIDENTS}`, target: `= ${INCIDENTS}`, pass: on.startsS.length === INCIDENTS },
      { name: 'remediate, Slack paced: median start', value: median(on.startsS), unit: 's' },
      { name: 'remediate, Slack paced: last start', value: lastOn, unit: 's' },
      { name: 'remediate, last start paced / off', value: ratio, unit: '×', target: `≤ ${RATIO_TARGET}`, pass: ratio <= RATIO_TARGET },
      { name: 'remediate, Slack calls by then / 429s', value: on.slackCalls, unit: `calls, ${on.rateLimited} rate-limited` },
    ];
  },
};
