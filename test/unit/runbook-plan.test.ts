import { describe, expect, it } from 'vitest';
import { runbookSchema } from '../../src/core/runbooks/schema.js';
import { renderPlan } from '../../src/core/runbooks/plan.js';
import { runbookMatches } from '../../src/core/runbooks/match.js';
import { renderTemplate, templateErrors } from '../../src/core/runbooks/template.js';

const runbook = runbookSchema.parse({
  id: 'ecs-force-new-deployment',
  title: 'Force a new deployment',
  version: 1,
  match: { alertname: ['ECSServiceTasksBelowDesired'], labels: { cluster: '.+', service: '.+' } },
  risk: 'low',
  reversible: true,
  action_type: 'restart',
  service: '{{labels.service}}',
  target: 'ecs:{{labels.cluster}}/{{labels.service}}',
  parameters: {
    Cluster: { from: '{{labels.cluster}}', pattern: '^[A-Za-z0-9_-]{1,255}$' },
    Service: { from: '{{labels.service}}', pattern: '^[A-Za-z0-9_-]{1,255}$' },
  },
  diagnostics: [{ ssm: { document: 'ChatOps-CollectDiagnostics-ECS', parameters: ['Cluster', 'Service'] } }],
  action: { ssm: { document: 'ChatOps-ECSForceNewDeployment', parameters: ['Cluster', 'Service'] } },
  rollback: { description: 'Redeploy the previous revision', ssm: { document: 'ChatOps-ECSRollback', parameters: ['Cluster'] } },
  cooldown: '15m',
});

describe('runbook matching and rendering', () => {
  it.each([
    [{ name: 'ECSServiceTasksBelowDesired', labels: { cluster: 'prod', service: 'api' } }, true],
    [{ name: 'Other', labels: { cluster: 'prod', service: 'api' } }, false],
    [{ name: 'ECSServiceTasksBelowDesired', labels: { cluster: 'prod' } }, false],
    [{ name: 'ECSServiceTasksBelowDesired', labels: { cluster: '', service: 'api' } }, false],
  ])('matches %j → %s', (alert, expected) => {
    expect(runbookMatches(runbook, { ...alert, source: 'alertmanager' })).toBe(expected);
  });

  const alternatives = runbookSchema.parse({
    ...runbook,
    cooldown: '15m',
    match: [
      { alertname: ['ECSServiceTasksBelowDesired'], labels: { cluster: '.+', service: '.+' } },
      { source: ['cloudwatch'], labels: { metric_name: 'RunningTaskCount', cluster_name: '.+', service_name: '.+' } },
    ],
  });

  it.each<[string, { name: string; source: 'alertmanager' | 'cloudwatch'; labels: Record<string, string> }, boolean]>([
    ['the first alternative', { name: 'ECSServiceTasksBelowDesired', source: 'alertmanager', labels: { cluster: 'a', service: 'b' } }, true],
    ['the second alternative', { name: 'prod-api-tasks', source: 'cloudwatch', labels: { metric_name: 'RunningTaskCount', cluster_name: 'a', service_name: 'b' } }, true],
    ['the second alternative from the wrong source', { name: 'x', source: 'alertmanager', labels: { metric_name: 'RunningTaskCount', cluster_name: 'a', service_name: 'b' } }, false],
    ['neither', { name: 'x', source: 'cloudwatch', labels: { metric_name: 'CPUUtilization', cluster_name: 'a', service_name: 'b' } }, false],
  ])('with a list of match rules, matches when any one holds: %s', (_label, alert, expected) => {
    expect(runbookMatches(alternatives, alert)).toBe(expected);
  });

  it('with an empty match list, matches no alert (a runbook run by hand only)', () => {
    const byHand = runbookSchema.parse({ ...runbook, cooldown: '15m', match: [] });
    expect(runbookMatches(byHand, { name: 'ECSServiceTasksBelowDesired', source: 'alertmanager', labels: { cluster: 'a', service: 'b' } })).toBe(false);
  });

  it('renders one single-target plan with the parameters each step declares', () => {
    const result = renderPlan(runbook, { labels: { cluster: 'prod', service: 'api' }, annotations: {} });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.plan).toMatchObject({
      target: 'ecs:prod/api',
      service: 'api',
      action: { document: 'ChatOps-ECSForceNewDeployment', parameters: { Cluster: 'prod', Service: 'api' } },
      rollback: { step: { document: 'ChatOps-ECSRollback', parameters: { Cluster: 'prod' } } },
      cooldownMs: 15 * 60_000,
    });
    expect(result.plan.digest).toMatch(/^[0-9a-f]{64}$/);
  });

  it.each([
    ['a shell metacharacter', 'prod;rm -rf /', 'Cluster'],
    ['an empty value', '', 'Cluster'],
    ['a newline', 'prod\nx', 'Cluster'],
  ])('refuses a parameter with %s and names it', (_label, cluster, parameter) => {
    const result = renderPlan(runbook, { labels: { cluster, service: 'api' }, annotations: {} });
    expect(result).toMatchObject({ ok: false, code: 'PARAMETER_INVALID', parameter });
    if (!result.ok) expect(result.reason).toContain(parameter);
  });

  it('gives a different digest when any rendered value changes', () => {
    const a = renderPlan(runbook, { labels: { cluster: 'prod', service: 'api' }, annotations: {} });
    const b = renderPlan(runbook, { labels: { cluster: 'prod', service: 'web' }, annotations: {} });
    expect(a.ok && b.ok && a.plan.digest !== b.plan.digest).toBe(true);
  });

  it.each([
    ['{{labels.a}}-{{annotations.b}}', 'x-y'],
    ['{{ labels.a }}', 'x'],
    ['{{labels.missing}}', ''],
    ['{{labels.__proto__}}', ''],
    ['{{labels.missing || labels.a}}', 'x'],
    ['{{labels.a||labels.missing}}', 'x'],
    ['{{ labels.empty || annotations.b }}', 'y'],
    ['{{labels.missing || labels.__proto__}}', ''],
  ])('renders template %s as %j', (template, expected) => {
    expect(renderTemplate(template, { labels: { a: 'x', empty: '' }, annotations: { b: 'y' } })).toBe(expected);
  });

  it.each([['{{env.HOME}}'], ['{{labels.a'], ['{{process.env}}'], ['{{labels.a || env.HOME}}'], ['{{labels.a ||}}']])('rejects template %s', (template) => {
    expect(templateErrors(template).length).toBeGreaterThan(0);
  });

  it('rejects a step that uses an undeclared parameter, naming it', () => {
    const bad = runbookSchema.safeParse({ ...runbook, cooldown: '15m', action: { ssm: { document: 'ChatOps-X', parameters: ['Nope'] } } });
    expect(bad.success).toBe(false);
    expect(JSON.stringify(bad.error?.issues)).toContain('parameter Nope is not declared');
  });
});
