import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { SECRETS } from '../../test/e2e/harness.js';
import { startAlertmanager } from '../../test/fakes/alertmanager-process.js';
import type { PostableAlert } from '../../test/fakes/alertmanager-process.js';
import { startFakeSlackApi } from '../../test/fakes/fake-slack-api.js';
import { locateSystemPeer } from '../../test/fakes/system-peers.js';
import type { FakeSlackApi } from '../../test/fakes/fake-slack-api.js';
import { closeBenchHarness, SLACK_LIMITS, startBenchHarness } from '../bench-harness.js';
import type { Row, Scenario } from '../row.js';

const GROUPS = 50;
const PER_GROUP = 100;
const ACTION = 'ChatOps-ECSForceNewDeployment';
const TARGETS = { actionsStartedS: 60, callsPerIncident: 8, drainedS: 180, resolvedAfterClearS: 60 };
/** Alertmanager timings for the storm: a group's first notification after 1 s, changes every 5 s. */
const TIMINGS = { groupWait: '1s', groupInterval: '5s', repeatInterval: '1h', groupBy: ['alertname', 'service'] };

/** 50 groups of 100: each an ECS service short of tasks (a low-risk runbook), one alert per task. */
function storm(endsAt?: Date): PostableAlert[] {
  return Array.from({ length: GROUPS * PER_GROUP }, (_, i) => {
    const group = Math.floor(i / PER_GROUP);
    return {
      labels: { alertname: 'ECSServiceTasksBelowDesired', cluster: 'prod-cluster', service: `svc-${group}`, task: `task-${i % PER_GROUP}`, severity: 'warning' },
      annotations: { summary: `svc-${group} runs fewer tasks than desired (task-${i % PER_GROUP} stopped)` },
      ...(endsAt ? { endsAt: endsAt.toISOString() } : {}),
    };
  });
}

async function post(alertmanager: { postAlerts(a: PostableAlert[]): Promise<void> }, alerts: PostableAlert[]): Promise<void> {
  for (let i = 0; i < alerts.length; i += 500) await alertmanager.postAlerts(alerts.slice(i, i + 500));
}

async function waitUntil(condition: () => Promise<boolean> | boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await condition()) return true;
    await new Promise((r) => setTimeout(r, 200));
  }
  return false;
}

/**
 * The catalogue with one change: restarts may run 100 a minute instead of 20. The storm's 50
 * restarts in a minute would otherwise meet that rate limit, a guard that refuses the rest as it
 * should (the refused ones wait for a person); this scenario measures the path from alert to
 * action and chat, so nothing here should be refused.
 */
async function benchCatalogue(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'chatops-bench-runbooks-'));
  await cp('runbooks', dir, { recursive: true });
  const policyFile = path.join(dir, 'policy.yaml');
  const policy = await readFile(policyFile, 'utf8');
  const raised = policy.replace(/^(\s*restart: \{ rate_per_minute: )\d+( \})/m, '$1100$2');
  if (raised === policy) throw new Error('bench: the restart rate limit was not found in runbooks/policy.yaml');
  await writeFile(policyFile, raised);
  return dir;
}

/** Until nobody has called the fake Slack for `quietMs`: when the last call came, in ms since `t0`. */
async function drained(slack: FakeSlackApi, t0: number, quietMs: number, timeoutMs: number): Promise<number> {
  await waitUntil(() => Date.now() - (slack.calls.at(-1)?.at ?? t0) >= quietMs, timeoutMs);
  return (slack.calls.at(-1)?.at ?? t0) - t0;
}

/** Alertmanager's own slack_configs receiver on the same storm and the same paced Slack. */
async function baseline(): Promise<Row[]> {
  const slack = await startFakeSlackApi({ pacing: SLACK_LIMITS });
  const alertmanager = await startAlertmanager({ webhookUrl: 'http://127.0.0.1:9/unused', slack: { apiUrl: slack.incomingWebhookUrl, channel: '#incidents' }, ...TIMINGS });
  try {
    const t0 = Date.now();
    await post(alertmanager, storm());
    await waitUntil(() => slack.calls.filter((c) => c.ok).length >= GROUPS, 120_000);
    await post(alertmanager, storm(new Date()));
    const drainMs = await drained(slack, t0, 15_000, 300_000);
    const hooks = slack.calls.filter((c) => c.method === 'incoming-webhook');
    return [
      { name: 'storm, Alertmanager slack_configs: notifications taken', value: hooks.filter((c) => c.ok).length, unit: 'posts' },
      { name: 'storm, Alertmanager slack_configs: refused (429)', value: hooks.filter((c) => c.status === 429).length, unit: 'posts' },
      { name: 'storm, Alertmanager slack_configs: calls per group', value: hooks.length / GROUPS, unit: 'calls' },
      { name: 'storm, Alertmanager slack_configs: last call after', value: drainMs / 1000, unit: 's' },
    ];
  } finally {
    await alertmanager.close();
    await slack.close();
  }
}

/**
 * Issue 8's storm, side by side in one run: 50 groups × 100 alerts through a real Alertmanager,
 * to the bot (low-risk actions on a fake SSM, Slack paced as Slack paces) and, first, to
 * Alertmanager's own Slack receiver as the baseline. Then the storm clears.
 */
export const stormScenario: Scenario = {
  name: `Storm: ${GROUPS} groups × ${PER_GROUP} alerts through a real Alertmanager, the bot vs Alertmanager's own Slack receiver`,
  async run(): Promise<Row[]> {
    const { missing } = locateSystemPeer('alertmanager');
    if (missing) {
      console.log(`\n  storm: skipped ${missing}`);
      return [];
    }
    const rows = await baseline();
    const runbooks = await benchCatalogue();
    const slack = await startFakeSlackApi({ pacing: SLACK_LIMITS });
    const h = await startBenchHarness({ DRY_RUN: 'false', RUNBOOKS_DIR: runbooks, POLICY_FILE: path.join(runbooks, 'policy.yaml') }, {}, { slack });
    const alertmanager = await startAlertmanager({ webhookUrl: `${h.bot.url}/alerts/alertmanager`, token: SECRETS.ALERT_WEBHOOK_TOKEN, ...TIMINGS });
    try {
      const metric = async (name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(await (await fetch(`${h.bot.url}/metrics`)).text())?.[1] ?? 0);
      const t0 = Date.now();
      await post(alertmanager, storm());
      const stored = await waitUntil(async () => (await metric('chatops_alerts_received_total\\{source="alertmanager"\\}')) >= GROUPS * PER_GROUP, 120_000);
      const storedS = (Date.now() - t0) / 1000;
      const starts = () => h.ssm.executions.filter((e) => e.documentName === ACTION);
      await waitUntil(() => starts().length >= GROUPS, 120_000);
      const lastStartS = Math.max(...starts().map((e) => e.startedAt.getTime() - t0)) / 1000;
      const alertsStored = await metric('chatops_alerts_received_total\\{source="alertmanager"\\}');

      const cleared = Date.now();
      await post(alertmanager, storm(new Date()));
      // The bot's own gauge of unresolved incidents (read from the store at each scrape).
      const open = async () => {
        const text = await (await fetch(`${h.bot.url}/metrics`)).text();
        return [...text.matchAll(/^chatops_incidents\{state="[a-z]+"\} (\d+)$/gm)].reduce((n, m) => n + Number(m[1]), 0);
      };
      await waitUntil(async () => (await open()) === 0, 180_000);
      const resolvedS = (Date.now() - cleared) / 1000;
      const drainMs = await drained(slack, t0, 10_000, 600_000);
      const calls = slack.calls.filter((c) => c.method !== 'response_url');
      const refused = [...(await (await fetch(`${h.bot.url}/metrics`)).text()).matchAll(/^chatops_guard_refusals_total\{[^}]*\} (\d+)$/gm)].reduce((n, m) => n + Number(m[1]), 0);
      const perIncident = calls.length / GROUPS;
      return [
        ...rows,
        { name: 'storm, bot: alerts stored', value: alertsStored, unit: `of ${GROUPS * PER_GROUP}`, target: `= ${GROUPS * PER_GROUP} (0 lost)`, pass: stored && alertsStored === GROUPS * PER_GROUP },
        { name: 'storm, bot: every alert stored after', value: storedS, unit: 's' },
        { name: 'storm, bot: low-risk actions started', value: starts().length, unit: `of ${GROUPS}` },
        { name: 'storm, bot: last action started after', value: lastStartS, unit: 's', target: `≤ ${TARGETS.actionsStartedS} s`, pass: starts().length === GROUPS && lastStartS <= TARGETS.actionsStartedS },
        { name: 'storm, bot: Slack calls per incident', value: perIncident, unit: 'calls', target: `≤ ${TARGETS.callsPerIncident}`, pass: perIncident <= TARGETS.callsPerIncident },
        { name: 'storm, bot: Slack calls refused (429)', value: slack.rateLimited().length, unit: 'calls' },
        { name: 'storm, bot: actions refused by a guard', value: refused, unit: 'actions', target: '= 0', pass: refused === 0 },
        { name: 'storm, bot: Slack traffic drained after', value: drainMs / 1000, unit: 's', target: `≤ ${TARGETS.drainedS} s`, pass: drainMs / 1000 <= TARGETS.drainedS },
        { name: 'storm, bot: every incident resolved after the storm cleared', value: resolvedS, unit: 's', target: `≤ ${TARGETS.resolvedAfterClearS} s`, pass: (await open()) === 0 && resolvedS <= TARGETS.resolvedAfterClearS },
      ];
    } finally {
      await alertmanager.close();
      await closeBenchHarness(h);
      await slack.close();
      await rm(runbooks, { recursive: true, force: true });
    }
  },
};
