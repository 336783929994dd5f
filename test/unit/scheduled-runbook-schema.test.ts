import { describe, expect, it } from 'vitest';
import { cronMatches, parseCron } from '../../src/core/runbooks/cron.js';
import { runbookSchema } from '../../src/core/runbooks/schema.js';
import { renderPlan, rollbackPlanOf } from '../../src/core/runbooks/plan.js';

const base = {
  id: 'ebs-delete-old-snapshots',
  title: 'Delete old snapshots',
  version: 1,
  risk: 'medium',
  reversible: false,
  action_type: 'cleanup',
  service: 'ebs',
  target: 'ebs:{{labels.volume_id}}',
  parameters: { VolumeId: { from: '{{labels.volume_id}}', pattern: '^vol-[0-9a-f]{8,17}$' } },
  action: { ssm: { document: 'ChatOps-EBSDeleteOldSnapshots', parameters: ['VolumeId'] } },
};

describe('cron schedules (UTC)', () => {
  it.each<[string, string, boolean]>([
    ['0 2 * * *', '2026-03-04T02:00:00Z', true],
    ['0 2 * * *', '2026-03-04T02:01:00Z', false],
    ['0 2 * * *', '2026-03-04T03:00:00Z', false],
    ['0 1 * * 0', '2026-03-08T01:00:00Z', true], // a Sunday
    ['0 1 * * 7', '2026-03-08T01:00:00Z', true], // 7 is Sunday too
    ['0 1 * * 0', '2026-03-09T01:00:00Z', false], // a Monday
    ['*/15 * * * *', '2026-03-04T10:45:00Z', true],
    ['*/15 * * * *', '2026-03-04T10:50:00Z', false],
    ['0 9-17/4 * * 1-5', '2026-03-04T13:00:00Z', true],
    ['0 0 1 * 1', '2026-03-02T00:00:00Z', true], // both day fields restricted: a Monday counts
    ['0 0 1 * 1', '2026-04-01T00:00:00Z', true], // and so does the 1st
    ['0 0 1 * 1', '2026-04-02T00:00:00Z', false],
  ])('%s fires at %s: %s', (expression, at, expected) => {
    const parsed = parseCron(expression);
    expect(parsed.ok).toBe(true);
    if (parsed.ok) expect(cronMatches(parsed.schedule, new Date(at))).toBe(expected);
  });

  it.each([
    ['0 2 * *', /five fields/],
    ['60 * * * *', /minute "60" is outside 0-59/],
    ['0 2 * * mon', /day of week "mon"/],
    ['*/0 * * * *', /step below 1/],
    ['5-1 * * * *', /outside/],
  ])('refuses %j', (expression, reason) => {
    const parsed = parseCron(expression);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.reason).toMatch(reason);
  });
});

describe('scheduled runbooks', () => {
  it('takes schedule and targets instead of match, and matches no alert', () => {
    const rb = runbookSchema.parse({ ...base, schedule: '0 2 * * *', targets: [{ volume_id: 'vol-0123456789abcdef0' }] });
    expect(rb.match).toEqual([]);
    expect(rb.schedule).toBe('0 2 * * *');
  });

  it('takes a discovery document with literal parameters and the output that lists targets', () => {
    const rb = runbookSchema.parse({ ...base, schedule: '0 2 * * *', targets: { ssm: { document: 'ChatOps-DiscoverX', parameters: { MaxAgeDays: '30' }, output: 'CollectDiagnostics.Targets' } } });
    expect(rb.targets).toEqual({ ssm: { document: 'ChatOps-DiscoverX', parameters: { MaxAgeDays: '30' }, output: 'CollectDiagnostics.Targets' } });
  });

  it.each<[string, Record<string, unknown>, string]>([
    ['a schedule without targets', { schedule: '0 2 * * *' }, 'targets'],
    ['a schedule and match', { schedule: '0 2 * * *', targets: [{ a: 'b' }], match: { alertname: ['X'] } }, 'match'],
    ['targets without a schedule', { match: [], targets: [{ a: 'b' }] }, 'targets'],
    ['neither match nor schedule', {}, 'match'],
    ['a bad cron', { schedule: 'daily', targets: [{ a: 'b' }] }, 'schedule'],
    ['an empty target list', { schedule: '0 2 * * *', targets: [] }, 'targets'],
    ['a discovery output that is not Step.Output', { schedule: '0 2 * * *', targets: { ssm: { document: 'ChatOps-X', output: 'Targets' } } }, 'targets'],
  ])('refuses %s, naming the field', (_label, extra, field) => {
    const result = runbookSchema.safeParse({ ...base, ...extra });
    expect(result.success).toBe(false);
    if (!result.success) expect(result.error.issues.map((i) => i.path.join('.')).join(' ')).toContain(field);
  });
});

describe('PromQL diagnostics and verify in the plan', () => {
  const withQueries = runbookSchema.parse({
    ...base,
    match: { alertname: ['X'] },
    diagnostics: [{ promql: { query: 'sum(rate(x{volume="{{labels.volume_id}}"}[5m]))', range: '30m', step: '1m', title: 'IO rate' } }, { promql: { query: 'up{job="ebs"}', title: 'up now' } }],
    verify: { promql: 'x{volume="{{labels.volume_id}}"}', expect: '< 0.01', within: '10m' },
  });

  it('renders each query and the check, with their timing', () => {
    const r = renderPlan(withQueries, { labels: { volume_id: 'vol-0123456789abcdef0' }, annotations: {} });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.plan.queries).toEqual([
      { title: 'IO rate', query: 'sum(rate(x{volume="vol-0123456789abcdef0"}[5m]))', rangeMs: 30 * 60_000, stepMs: 60_000 },
      { title: 'up now', query: 'up{job="ebs"}' },
    ]);
    expect(r.plan.verify).toEqual({ query: 'x{volume="vol-0123456789abcdef0"}', expect: '< 0.01', withinMs: 600_000, everyMs: 30_000 });
    expect(r.plan.diagnostics).toEqual([]);
    // The rollback speaks of undoing, not of the action's checks.
    expect(rollbackPlanOf({ ...r.plan, rollback: { description: 'x', step: r.plan.action } })).not.toHaveProperty('verify');
  });

  it('keeps the digest of a plan without queries as it was (no new fields appear)', () => {
    const plain = runbookSchema.parse({ ...base, match: { alertname: ['X'] } });
    const r = renderPlan(plain, { labels: { volume_id: 'vol-0123456789abcdef0' }, annotations: {} });
    expect(r.ok && Object.keys(r.plan)).not.toContain('queries');
    expect(r.ok && Object.keys(r.plan)).not.toContain('verify');
  });

  it.each<[string, Record<string, unknown>, string]>([
    ['a diagnostic with both ssm and promql', { diagnostics: [{ ssm: { document: 'ChatOps-X' }, promql: { query: 'up', title: 't' } }] }, 'diagnostics'],
    ['a step without a range', { diagnostics: [{ promql: { query: 'up', title: 't', step: '1m' } }] }, 'step'],
    ['a bad expectation', { verify: { promql: 'up', expect: 'about 1', within: '5m' } }, 'expect'],
    ['a verify without within', { verify: { promql: 'up', expect: '< 1' } }, 'within'],
  ])('refuses %s', (_label, extra, field) => {
    const result = runbookSchema.safeParse({ ...base, match: [], ...extra });
    expect(result.success).toBe(false);
    if (!result.success) expect(result.error.issues.map((i) => i.path.join('.')).join(' ')).toContain(field);
  });
});
