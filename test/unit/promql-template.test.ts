import { describe, expect, it } from 'vitest';
import { promqlTemplateErrors, renderPromql } from '../../src/core/runbooks/promql-template.js';
import { judge, parseExpectation } from '../../src/core/runbooks/expectation.js';

const ctx = (labels: Record<string, string>) => ({ labels, annotations: {} });

describe('PromQL templates', () => {
  it.each<[string, string, Record<string, string>, string]>([
    ['a plain value', 'rate(x{service="{{labels.service}}"}[5m])', { service: 'checkout-api' }, 'rate(x{service="checkout-api"}[5m])'],
    ['a double quote and a backslash', 'x{a="{{labels.a}}"}', { a: 'a"b\\c' }, 'x{a="a\\"b\\\\c"}'],
    ['a single-quoted literal', "x{a='{{labels.a}}'}", { a: "it's" }, "x{a='it\\'s'}"],
    ['a newline', 'x{a="{{labels.a}}"}', { a: 'a\nb' }, 'x{a="a\\nb"}'],
    ['an injection attempt', 'x{a="{{labels.a}}"}', { a: '"} or vector(1) #' }, 'x{a="\\"} or vector(1) #"}'],
    ['a regex matcher (RE2 metacharacters escaped)', 'x{instance=~"{{labels.instance}}"}', { instance: 'web.1:9100' }, 'x{instance=~"web\\\\.1:9100"}'],
    ['a regex matcher with a wildcard value', 'x{a!~ "{{labels.a}}"}', { a: '.*' }, 'x{a!~ "\\\\.\\\\*"}'],
    ['alternatives', 'x{c="{{labels.cluster || labels.cluster_name}}"}', { cluster_name: 'prod' }, 'x{c="prod"}'],
    ['a placeholder in the middle of a literal', 'x{job="node-{{labels.env}}"}', { env: 'prod' }, 'x{job="node-prod"}'],
  ])('escapes %s', (_label, template, labels, expected) => {
    expect(renderPromql(template, ctx(labels))).toEqual({ ok: true, query: expected });
  });

  it('refuses a placeholder that renders empty: service="" would match every series without the label', () => {
    const r = renderPromql('x{service="{{labels.service}}"}', ctx({}));
    expect(r).toMatchObject({ ok: false, reason: expect.stringContaining('labels.service rendered empty') });
  });

  it.each<[string, string, RegExp]>([
    ['a placeholder outside a string', 'x{a="b"} > {{labels.threshold}}', /outside a quoted string/],
    ['a placeholder as the metric name', '{{labels.metric}}{a="b"}', /outside a quoted string/],
    ['a placeholder in a backtick string', 'x{a=`{{labels.a}}`}', /backtick/],
    ['an unknown scope', 'x{a="{{env.HOME}}"}', /unknown template scope "env"/],
    ['an unclosed string', 'x{a="{{labels.a}}}', /not closed/],
  ])('names %s at lint time', (_label, template, problem) => {
    expect(promqlTemplateErrors(template).join('\n')).toMatch(problem);
    expect(renderPromql(template, ctx({ a: 'v', threshold: '1', metric: 'up' })).ok).toBe(false);
  });

  it('accepts a template without placeholders, and escaped quotes inside literals', () => {
    expect(promqlTemplateErrors('sum(rate(http_requests_total{code=~"5..",path="a\\"b"}[5m])) or vector(0)')).toEqual([]);
  });
});

describe('verify expectations', () => {
  it.each<[string, number[], boolean]>([
    ['< 0.01', [0.001], true],
    ['< 0.01', [0.001, 0.5], false],
    ['<= 1', [1], true],
    ['> 0', [0], false],
    ['>= 3', [3, 4], true],
    ['== 1', [1], true],
    ['!= 0', [0], false],
    ['< 1e-2', [0.009], true],
    ['< 0.01', [], false],
    ['< 0.01', [Number.NaN], false],
  ])('%s against %j holds: %s', (text, values, holds) => {
    const e = parseExpectation(text);
    expect(e).toBeDefined();
    expect(judge(e!, values).holds).toBe(holds);
  });

  it.each(['0.01', '< ', '<< 1', '< abc', 'less than 1', '= 1'])('refuses %j', (text) => {
    expect(parseExpectation(text)).toBeUndefined();
  });

  it('says why no data does not hold', () => {
    expect(judge(parseExpectation('< 1')!, [])).toEqual({ holds: false, values: [], reason: 'the query returned no data' });
  });
});
