import { rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { AuditRecord } from '../../src/core/audit.js';
import { catalogueWith, errorRatioRunbook } from '../fixtures/error-ratio-runbook.js';
import { startHarness } from './harness.js';
import type { Harness } from './harness.js';

/** A low-risk runbook with a verify check and no PromQL diagnostics: the check is the only query. */
const RUNBOOK = errorRatioRunbook('error_ratio');

const ALERT = { name: 'ErrorRatioHigh', severity: 'warning', service: 'checkout-api', summary: 'checkout-api errors', status: 'firing', labels: { cluster: 'prod' } };

/** Answers every instant query with one series whose value the test sets; counts the queries. */
async function startPrometheusStub() {
  const state = { value: 0.5, queries: 0 };
  const server = createServer((req, res) => {
    state.queries += 1;
    req.resume();
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ status: 'success', data: { resultType: 'vector', result: [{ metric: { service: 'checkout-api' }, value: [Date.now() / 1000, String(state.value)] }] } }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { state, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

describe('a verify check cut short by a restart', () => {
  let prometheus: Awaited<ReturnType<typeof startPrometheusStub>>;
  let runbooks: string;
  let h: Harness | undefined;

  beforeAll(async () => {
    prometheus = await startPrometheusStub();
    runbooks = await catalogueWith(RUNBOOK);
  });
  afterAll(async () => {
    await prometheus.close();
    await rm(runbooks, { recursive: true, force: true });
  });
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  /**
   * A bot whose verify checks stop between two checks while `hung` (as a process that is stopped
   * there would: the wait between checks is the runbook's 30 s, longer than any wait while an
   * execution is polled), and whose clock otherwise moves by what it sleeps, plus what the test adds.
   */
  async function start() {
    const time = { offset: 0, hung: true };
    h = await startHarness(
      { DRY_RUN: 'false', RUNBOOKS_DIR: runbooks, POLICY_FILE: path.join(runbooks, 'policy.yaml'), PROMETHEUS_URL: prometheus.url },
      {
        shutdownGraceMs: 300,
        clock: { now: () => new Date(Date.now() + time.offset) },
        sleep: async (ms) => {
          if (time.hung && ms >= 30_000) return new Promise<void>(() => undefined);
          time.offset += ms;
          await new Promise((r) => setTimeout(r, 1));
        },
      },
    );
    return { hh: h, time };
  }
  const records = async (hh: Harness, kind: string) => (await hh.api<{ records: AuditRecord[] }>(`/api/audit?incident=INC-1&kind=${kind}`)).records;

  /** The action ran and its first check did not hold; the bot stops before the next check. */
  async function actionCheckedOnceThenRestart(hh: Harness, time: { offset: number; hung: boolean }, after: { addMs: number; value: number }) {
    prometheus.state.value = 0.5;
    prometheus.state.queries = 0;
    expect((await hh.postAlert('/alerts/generic', ALERT)).status).toBe(200);
    await expect.poll(async () => (await records(hh, 'action.succeeded')).length).toBe(1);
    await expect.poll(() => prometheus.state.queries).toBe(1);
    expect(await records(hh, 'action.verified')).toEqual([]);
    expect(await records(hh, 'action.not_verified')).toEqual([]);

    prometheus.state.value = after.value;
    time.offset += after.addMs;
    time.hung = false;
    await hh.restart();
    await hh.settle();
  }

  it('is taken up again by the next start and gets its verdict', async () => {
    const { hh, time } = await start();
    await actionCheckedOnceThenRestart(hh, time, { addMs: 60_000, value: 0.001 });
    const verdicts = await records(hh, 'action.verified');
    expect(verdicts).toHaveLength(1);
    expect(verdicts[0]).toMatchObject({ outcome: 'SUCCESS', runbook: 'checkout-errors-redeploy', details: { expect: '< 0.01', values: [0.001], checks: 1 } });
    expect(await records(hh, 'action.not_verified')).toEqual([]);
    expect(await records(hh, 'escalation.triggered')).toEqual([]);
    expect(hh.ssm.callsTo('StartAutomationExecution')).toHaveLength(1);
  });

  it('whose window passed while the bot was down is checked once more, and pages once when it still does not hold', async () => {
    const { hh, time } = await start();
    await actionCheckedOnceThenRestart(hh, time, { addMs: 11 * 60_000, value: 0.5 });
    const verdicts = await records(hh, 'action.not_verified');
    expect(verdicts).toHaveLength(1);
    expect(verdicts[0]).toMatchObject({ outcome: 'FAILURE', details: { values: [0.5], checks: 1 } });
    expect(await records(hh, 'action.verified')).toEqual([]);
    expect((await records(hh, 'escalation.triggered')).map((r) => r.trigger)).toEqual(['not_verified']);

    // Another restart finds the verdict and checks nothing again.
    const queries = prometheus.state.queries;
    await hh.restart();
    await hh.settle();
    expect(prometheus.state.queries).toBe(queries);
    expect(await records(hh, 'action.not_verified')).toHaveLength(1);
    expect(await records(hh, 'escalation.triggered')).toHaveLength(1);
  });
});
