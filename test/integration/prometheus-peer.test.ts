import { rm } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { AuditRecord } from '../../src/core/audit.js';
import { catalogueWith, errorRatioRunbook } from '../fixtures/error-ratio-runbook.js';
import { systemPeer } from '../fakes/system-peers.js';
import { startPrometheus } from '../fakes/prometheus-process.js';
import type { RunningPrometheus } from '../fakes/prometheus-process.js';
import { CHANNEL, startHarness } from '../e2e/harness.js';
import type { Harness } from '../e2e/harness.js';

const PROMETHEUS = systemPeer('prometheus');

/** A runbook with a range and an instant PromQL diagnostic, and a verify check; its action is ECS's. */
const RUNBOOK = errorRatioRunbook('chatops_test_error_ratio', [
  `promql: { query: 'chatops_test_error_ratio{service="{{labels.service}}"}', range: 2m, step: 1s, title: error ratio }`,
  `promql: { query: 'chatops_test_error_ratio{service="{{labels.probe}}"}', title: injection probe }`,
]);

/** A label that would turn the probe query into `vector(1)` if values were pasted in unescaped. */
const INJECTION = 'x"} or vector(1) or chatops_test_error_ratio{service="';

function alert(service: string) {
  return { name: 'ErrorRatioHigh', severity: 'warning', service, summary: `${service} errors`, status: 'firing', labels: { cluster: 'prod', probe: INJECTION } };
}

describe.skipIf(PROMETHEUS.skip)('PromQL diagnostics and verify against a real Prometheus (Debian prometheus)', () => {
  let prometheus: RunningPrometheus;
  let runbooks: string;
  let h: Harness | undefined;

  beforeAll(async () => {
    prometheus = await startPrometheus({ binary: PROMETHEUS.binary });
    prometheus.set('chatops_test_error_ratio', { service: 'checkout-api' }, 0.001);
    prometheus.set('chatops_test_error_ratio', { service: 'payments' }, 0.5);
    runbooks = await catalogueWith(RUNBOOK);
    await prometheus.waitFor('chatops_test_error_ratio{service="payments"}', 3);
  }, 60_000);
  afterAll(async () => {
    await prometheus?.close();
    await rm(runbooks, { recursive: true, force: true });
  });
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  /** A bot whose clock moves when it sleeps, so a 10-minute verify window passes in milliseconds. */
  async function start() {
    let offset = 0;
    h = await startHarness(
      { RUNBOOKS_DIR: runbooks, POLICY_FILE: path.join(runbooks, 'policy.yaml'), PROMETHEUS_URL: prometheus.url },
      {
        clock: { now: () => new Date(Date.now() + offset) },
        sleep: async (ms) => {
          offset += ms;
          await new Promise((r) => setTimeout(r, 1));
        },
      },
    );
    return h;
  }
  const records = async (hh: Harness, incident: string, kind: string) => (await hh.api<{ records: AuditRecord[] }>(`/api/audit?incident=${incident}&kind=${kind}`)).records;

  it('runs the range query, escapes label values, verifies the fix, and shows a sparkline and a chart in the thread', async () => {
    const hh = await start();
    expect((await hh.postAlert('/alerts/generic', alert('checkout-api'))).status).toBe(200);
    await hh.settle();

    const [range, probe] = await records(hh, 'INC-1', 'diagnostics.promql');
    expect(range).toMatchObject({ outcome: 'SUCCESS', action: 'error ratio', details: { query: 'chatops_test_error_ratio{service="checkout-api"}', seriesTotal: 1 } });
    const series = (range?.details?.series as { labels: Record<string, string>; points: [number, number][]; last: number; max: number }[])[0];
    expect(series?.labels).toMatchObject({ service: 'checkout-api', job: 'chatops-test-target' });
    expect(series?.points.length).toBeGreaterThanOrEqual(2);
    expect(series?.points.length).toBeLessThanOrEqual(60);
    expect(series).toMatchObject({ last: 0.001, max: 0.001 });
    // Prometheus parsed the escaped value as one string: no series has it, and vector(1) never ran.
    expect(probe).toMatchObject({ outcome: 'SUCCESS', details: { seriesTotal: 0, series: [] } });
    expect(String(probe?.details?.query)).toContain('service="x\\"} or vector(1)');

    expect(await records(hh, 'INC-1', 'action.succeeded')).toHaveLength(1);
    const [verified] = await records(hh, 'INC-1', 'action.verified');
    expect(verified).toMatchObject({ outcome: 'SUCCESS', runbook: 'checkout-errors-redeploy', details: { expect: '< 0.01', values: [0.001], checks: 1 } });
    expect(await records(hh, 'INC-1', 'escalation.triggered')).toEqual([]);

    // The thread: the line with its sparkline and last/min/max, then the chart, shared into the thread.
    const root = hh.slack.messageWith('incident_id', 'INC-1');
    const lines = hh.slack.messages(CHANNEL).filter((m) => m.thread_ts === root?.ts);
    const promqlLine = lines.find((m) => JSON.stringify(m.blocks).includes('error ratio'));
    expect(JSON.stringify(promqlLine?.blocks)).toMatch(/last 0\.001 · min 0\.001 · max 0\.001/);
    expect(JSON.stringify(promqlLine?.blocks)).toMatch(/▄▄/);
    const [file] = hh.slack.files();
    expect(file).toMatchObject({ channel: CHANNEL, threadTs: root?.ts, title: 'error ratio' });
    expect(file?.bytes?.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
    const shared = lines.find((m) => m.files?.some((f) => f.id === file?.id));
    expect(shared && promqlLine && Number(shared.ts) > Number(promqlLine.ts)).toBe(true);
    // Only the range query has a chart: one upload.
    expect(hh.slack.callsTo('files.completeUploadExternal')).toHaveLength(1);
  }, 60_000);

  it('records action.not_verified and pages when the check does not hold within its window; without files:write, sparklines only, said once', async () => {
    const hh = await start();
    hh.slack.failNext('files.getUploadURLExternal', 'missing_scope');
    expect((await hh.postAlert('/alerts/generic', alert('payments'))).status).toBe(200);
    await hh.settle();

    const [notVerified] = await records(hh, 'INC-1', 'action.not_verified');
    expect(notVerified).toMatchObject({ outcome: 'FAILURE', details: { expect: '< 0.01', values: [0.5], withinMs: 600_000 } });
    // Checked every 30 s for 10 minutes of the bot's clock: 21 checks at most, more than one.
    expect(Number(notVerified?.details?.checks)).toBeGreaterThan(1);
    expect(Number(notVerified?.details?.checks)).toBeLessThanOrEqual(21);
    const [page] = await records(hh, 'INC-1', 'escalation.triggered');
    expect(page).toMatchObject({ trigger: 'not_verified', details: { detail: expect.stringContaining('checkout-errors-redeploy on ecs:prod/payments') } });

    expect(hh.slack.callsTo('files.completeUploadExternal')).toEqual([]);
    const failed = await records(hh, 'INC-1', 'chat.delivery_failed');
    expect(failed).toEqual([expect.objectContaining({ details: expect.objectContaining({ what: 'chart', error: 'missing_scope' }) })]);
    expect(JSON.stringify(hh.slack.messages(CHANNEL).map((m) => m.blocks))).toMatch(/last 0\.5 · min 0\.5 · max 0\.5/);

    // A second incident's chart is not even tried: the refusal holds for a while.
    expect((await hh.postAlert('/alerts/generic', alert('checkout-api'))).status).toBe(200);
    await hh.settle();
    expect(await records(hh, 'INC-2', 'diagnostics.promql')).toHaveLength(2);
    expect(hh.slack.callsTo('files.getUploadURLExternal')).toHaveLength(1);
  }, 60_000);
});
