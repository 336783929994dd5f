import { readFile } from 'node:fs/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { keepResult } from '../../src/core/promql-result.js';
import { CHANNEL, startHarness } from './harness.js';
import type { Harness } from './harness.js';

/**
 * The chart upload as Slack delivery does it, against the fake Slack: a PromQL record (written here
 * as diagnostics would write it, so no Prometheus is needed) becomes its thread line, then a PNG
 * shared into the thread, exactly once.
 */
describe('PromQL charts in the thread', () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  async function incidentWithQueries() {
    h = await startHarness({ DRY_RUN: 'true' });
    const alert = JSON.parse(await readFile('test/fixtures/alertmanager/ecs-firing.json', 'utf8')) as unknown;
    expect((await h.postAlert('/alerts/alertmanager', alert)).status).toBe(200);
    await h.settle();
    const now = Math.floor(Date.now() / 1000);
    const record = (n: number, points: number) =>
      h!.bot.deps.audit.record({
        incidentId: 'INC-1',
        kind: 'diagnostics.promql',
        stepKey: `test-promql:${n}`,
        trigger: 'proposal',
        outcome: 'SUCCESS',
        operator: 'automated',
        runbook: 'ecs-force-new-deployment',
        targetResource: 'ecs:prod-cluster/checkout-api',
        action: `query ${n}`,
        details: { title: `query ${n}`, query: 'sum(rate(http_requests_total{code=~"5.."}[5m]))', ...keepResult([{ labels: { service: 'checkout-api' }, points: Array.from({ length: points }, (_, i) => [now - (points - i) * 60, i % 7] as [number, number]) }]) },
      });
    return { h, record };
  }

  const threadOf = (hh: Harness) => {
    const root = hh.slack.messageWith('incident_id', 'INC-1');
    return hh.slack.messages(CHANNEL).filter((m) => m.thread_ts === root?.ts);
  };

  it('shares the chart of a range query right after its line, and none for an instant query', async () => {
    const { h: hh, record } = await incidentWithQueries();
    await record(1, 120); // a range: 120 points, kept as 60
    await record(2, 1); // an instant query: a value, no chart
    await hh.settle();
    const [file] = hh.slack.files();
    expect(hh.slack.files()).toHaveLength(1);
    expect(file).toMatchObject({ title: 'query 1', channel: CHANNEL, filename: expect.stringMatching(/^chart-INC-1-\d+\.png$/) });
    expect(file?.bytes?.length).toBe(file?.length);
    const thread = threadOf(hh);
    const line = thread.findIndex((m) => JSON.stringify(m.blocks).includes('query 1'));
    const chart = thread.findIndex((m) => m.files?.some((f) => f.id === file?.id));
    expect(line).toBeGreaterThanOrEqual(0);
    expect(chart).toBeGreaterThan(line);
    expect(hh.slack.callsTo('files.completeUploadExternal')).toHaveLength(1);
  });

  it('does not share twice when Slack shared it but its answer was lost: it looks in the thread first', async () => {
    const { h: hh, record } = await incidentWithQueries();
    hh.slack.loseAnswerNext('files.completeUploadExternal');
    await record(1, 30);
    await hh.settle();
    await hh.slack.waitFor((calls) => calls.some((c) => c.method === 'conversations.replies'));
    await hh.settle();
    expect(hh.slack.callsTo('files.completeUploadExternal')).toHaveLength(1);
    expect(threadOf(hh).filter((m) => m.files?.length)).toHaveLength(1);
    // And it moved on: the state no longer waits for that chart.
    await record(2, 30);
    await hh.settle();
    expect(threadOf(hh).filter((m) => m.files?.length)).toHaveLength(2);
  });
});
