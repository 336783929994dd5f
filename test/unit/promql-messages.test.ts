import { describe, expect, it } from 'vitest';
import type { AuditRecord } from '../../src/core/audit.js';
import { keepResult, MAX_POINTS, MAX_SERIES } from '../../src/core/promql-result.js';
import { formatValue, sparkline } from '../../src/adapters/slack/blocks/sparkline.js';
import { stepMessage } from '../../src/adapters/slack/blocks/step-message.js';
import { LIMITS } from '../../src/adapters/slack/blocks/text.js';

const record = (kind: string, outcome: AuditRecord['outcome'], details: Record<string, unknown>): AuditRecord =>
  ({ incidentId: 'INC-1', kind, stepKey: 'k', trigger: 'proposal', outcome, operator: 'automated', runbook: 'checkout-redeploy', targetResource: 'ecs:prod/checkout', action: String(details.title ?? ''), details, auditId: 'a', seq: 7, timestamp: '2026-01-01T00:00:00Z', prevHash: '', hash: '' }) as AuditRecord;

describe('sparklines', () => {
  it.each<[(number | null)[], string]>([
    [[0, 1, 2, 3, 4, 5, 6, 7], '▁▂▃▄▅▆▇█'],
    [[5, 5, 5], '▄▄▄'],
    [[0, null, 7], '▁ █'],
    [[Number.NaN, 1, 2], ' ▁█'],
    [[], ''],
  ])('%j → %s', (values, line) => {
    expect(sparkline(values)).toBe(line);
  });

  it.each<[number | undefined, string]>([
    [0.001234567, '0.001235'],
    [12345.678, '12350'],
    [0, '0'],
    [0.00001, '1.00e-5'],
    [undefined, 'n/a'],
  ])('formats %s as %s', (v, text) => {
    expect(formatValue(v)).toBe(text);
  });
});

describe('a PromQL result kept in the audit trail', () => {
  it('keeps at most 5 series of at most 60 points, with last/min/max from every sample, and no NaN', () => {
    const series = Array.from({ length: 8 }, (_, s) => ({ labels: { i: String(s) }, points: Array.from({ length: 600 }, (_, i) => [i * 15, i === 599 ? Number.NaN : i === 300 ? 1000 : s] as [number, number]) }));
    const kept = keepResult(series);
    expect(kept.seriesTotal).toBe(8);
    expect(kept.series).toHaveLength(MAX_SERIES);
    expect(kept.downsampled).toBe(true);
    for (const s of kept.series) expect(s.points.length).toBe(MAX_POINTS);
    // The spike survives as max although the points are bucket means; the last sample was NaN.
    expect(kept.series[2]).toMatchObject({ min: 2, max: 1000 });
    expect(kept.series[2]).not.toHaveProperty('last');
    expect(JSON.stringify(kept)).not.toContain('NaN');
  });
});

describe('PromQL lines in the thread', () => {
  const now = 1_700_000_000;
  const kept = keepResult([
    { labels: { __name__: 'errors', service: 'checkout' }, points: [[now, 0.5], [now + 60, 0.25], [now + 120, 0.01]] },
    { labels: { service: '<!channel>' }, points: [[now, 1], [now + 60, 2]] },
  ]);

  it('shows a sparkline with last/min/max per series, labels escaped', () => {
    const text = JSON.stringify(stepMessage(record('diagnostics.promql', 'SUCCESS', { title: '5xx rate', query: 'sum(x)', ...kept })).blocks);
    expect(text).toContain('5xx rate');
    expect(text).toContain('last 0.01 · min 0.01 · max 0.5');
    expect(text).toContain('█▄▁');
    expect(text).toContain('errors{service=\\"checkout\\"}');
    expect(text).not.toContain('<!channel>');
  });

  it.each<[string, AuditRecord, RegExp]>([
    ['a skipped query', record('diagnostics.promql', 'SKIPPED', { title: 'q', note: 'PROMETHEUS_URL is not set: the query was not run' }), /not queried: PROMETHEUS_URL is not set/],
    ['a failed query', record('diagnostics.promql', 'FAILURE', { title: 'q', error: 'bad_data: parse error' }), /the query failed: bad_data/],
    ['an empty result', record('diagnostics.promql', 'SUCCESS', { title: 'q', series: [], seriesTotal: 0 }), /q\*.*: no data/],
    ['a verified action', record('action.verified', 'SUCCESS', { query: 'x', expect: '< 0.01', values: [0.001], checks: 3 }), /\*verified\*.*&lt; 0.01 held \(0.001\) after 3 check/],
    ['an action not verified', record('action.not_verified', 'FAILURE', { query: 'x', expect: '< 0.01', withinMs: 600_000, reason: '1 of 1 value(s) not < 0.01 (e.g. 0.5)' }), /\*not verified\*.*within 10 min: 1 of 1/],
    ['a check not run', record('action.not_verified', 'SKIPPED', { reason: 'PROMETHEUS_URL is not set: the check was not run' }), /verify check not run \(PROMETHEUS_URL/],
  ])('says what happened for %s', (_label, r, line) => {
    expect(JSON.stringify(stepMessage(r).blocks)).toMatch(line);
  });

  it('stays within Slack limits with the longest query and labels', () => {
    const long = keepResult(Array.from({ length: 5 }, (_, i) => ({ labels: Object.fromEntries(Array.from({ length: 10 }, (_, k) => [`label${k}`, `${'v'.repeat(100)}${i}`])), points: Array.from({ length: 60 }, (_, t) => [t, t] as [number, number]) })));
    const message = stepMessage(record('diagnostics.promql', 'SUCCESS', { title: 't', query: 'q'.repeat(10_000), ...long }));
    for (const block of message.blocks as { text?: { text: string } }[]) expect((block.text?.text ?? '').length).toBeLessThanOrEqual(LIMITS.sectionText);
  });
});
