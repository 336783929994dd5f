import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Alert } from '../../src/core/alert.js';
import { parseAlertmanagerPayload } from '../../src/core/ingest/alertmanager.js';

const fixtureDir = new URL('../fixtures/alertmanager/', import.meta.url);

function fixtureText(name: string): string {
  return readFileSync(new URL(name, fixtureDir), 'utf8');
}

/** A fresh copy every time, as each webhook delivery is parsed from its own bytes. */
function fixture(name: string): Record<string, unknown> {
  return JSON.parse(fixtureText(name)) as Record<string, unknown>;
}

/** ecs-firing.json with its one alert changed by `edit`. */
function ecsWith(edit: (alert: Record<string, unknown>, labels: Record<string, unknown>) => void): Record<string, unknown> {
  const body = fixture('ecs-firing.json');
  const alert = (body.alerts as Record<string, unknown>[])[0]!;
  edit(alert, alert.labels as Record<string, unknown>);
  return body;
}

/** Like toMatchObject, but an `undefined` expectation means the field is absent, not merely undefined. */
function expectFields(alert: Alert | undefined, expected: Partial<Alert>): void {
  expect(alert).toBeDefined();
  for (const [key, value] of Object.entries(expected)) {
    if (value === undefined) expect(Object.hasOwn(alert ?? {}, key), `${key} should be absent`).toBe(false);
    else expect(alert?.[key as keyof Alert], key).toEqual(value);
  }
}

/** ecs-firing.json with these labels and no fingerprint, so the parser must compute one. */
function withLabelsOnly(labels: Record<string, string>): Record<string, unknown> {
  return ecsWith((alert) => {
    delete alert.fingerprint;
    alert.labels = labels;
  });
}

function parseOk(body: unknown): Alert[] {
  const result = parseAlertmanagerPayload(body);
  if (!result.ok) throw new Error(`expected the payload to parse, got: ${result.message}`);
  return result.alerts;
}

const alertnameRequired = 'required: every alert needs a non-empty alertname label';
const ecsGroupKey = 'alertmanager:{}:{alertname="ECSServiceTasksBelowDesired"}';
const ec2GroupKey = 'alertmanager:{}/{severity="critical"}:{alertname="EC2InstanceStatusCheckFailed"}';

describe('parseAlertmanagerPayload', () => {
  it.each<[string, Partial<Alert>]>([
    [
      'ecs-firing.json',
      {
        source: 'alertmanager',
        groupKey: ecsGroupKey,
        fingerprint: 'a3f1c2d4e5b60718',
        name: 'ECSServiceTasksBelowDesired',
        status: 'firing',
        severity: 'warning',
        service: 'checkout-api',
        resource: undefined,
        summary: 'checkout-api in prod-cluster runs fewer tasks than desired',
        startsAt: '2024-05-14T09:12:30.123456789Z',
        endsAt: undefined,
        channel: undefined,
      },
    ],
    [
      'ecs-resolved.json',
      { groupKey: ecsGroupKey, fingerprint: 'a3f1c2d4e5b60718', status: 'resolved', endsAt: '2024-05-14T09:31:00.48213907Z' },
    ],
    [
      'ec2-firing.json',
      {
        groupKey: ec2GroupKey,
        fingerprint: '5e2b9c01d7a4f836',
        name: 'EC2InstanceStatusCheckFailed',
        severity: 'critical',
        service: 'web',
        resource: 'i-0abc123def4567890',
        summary: 'EC2 instance i-0abc123def4567890 is failing its status checks',
      },
    ],
    [
      'sg-firing.json',
      {
        name: 'SecurityGroupOpenSSHToWorld',
        severity: 'critical',
        service: 'aws-config-exporter',
        resource: undefined,
        channel: 'C0SECOPS01',
        summary: 'Security group sg-0123456789abcdef0 allows SSH (22/tcp) from 0.0.0.0/0',
      },
    ],
    ['bad-param.json', { name: 'ECSServiceTasksBelowDesired', service: 'checkout-api' }],
  ])('maps %s to a normalised alert', (name, expected) => {
    const alerts = parseOk(fixture(name));
    expect(alerts).toHaveLength(1);
    expectFields(alerts[0], expected);
  });

  it('keeps every label and annotation so runbooks can match and render them', () => {
    const [alert] = parseOk(fixture('ec2-firing.json'));
    expect(alert?.labels).toEqual({
      alertname: 'EC2InstanceStatusCheckFailed',
      instance_id: 'i-0abc123def4567890',
      instance: '10.0.3.17:9100',
      job: 'node',
      service: 'web',
      severity: 'critical',
      region: 'eu-west-1',
    });
    expect(alert?.annotations.description).toBe('The instance or system status check has failed for 2 consecutive minutes.');
    expect(alert?.generatorURL).toMatch(/^http:\/\/prometheus\.example:9090\/graph\?g0\.expr=/);
  });

  it('passes a shell-injection label through untouched, for the runbook parameter pattern to refuse', () => {
    const [alert] = parseOk(fixture('bad-param.json'));
    expect(alert?.labels.cluster).toBe('prod;rm -rf /');
  });

  it('turns a group of five instances into five alerts of one group, one per instance', () => {
    const alerts = parseOk(fixture('multi-firing.json'));
    expect(alerts).toHaveLength(5);
    expect(new Set(alerts.map((a) => a.groupKey))).toEqual(new Set([ec2GroupKey]));
    expect(new Set(alerts.map((a) => a.fingerprint)).size).toBe(5);
    expect(alerts.map((a) => a.resource)).toEqual([
      'i-0a1b2c3d4e5f60001',
      'i-0a1b2c3d4e5f60002',
      'i-0a1b2c3d4e5f60003',
      'i-0a1b2c3d4e5f60004',
      'i-0a1b2c3d4e5f60005',
    ]);
  });

  it.each<[string, string, string]>([
    ['malformed-missing-alerts.json', 'alerts', 'alerts: required'],
    ['malformed-bad-status.json', 'alerts.1.status', 'alerts.1.status: expected firing or resolved, got "pending"'],
    ['malformed-wrong-version.json', 'version', 'version: expected "4", got "3"'],
    ['hostile-huge-label.json', 'alerts.0.labels.user_agent', 'alerts.0.labels.user_agent: longer than 1024 characters'],
  ])('refuses %s, naming the field %s', (name, field, message) => {
    expect(parseAlertmanagerPayload(fixture(name))).toEqual({ ok: false, field, message });
  });

  it('refuses a body that is not JSON at all, naming the whole body', () => {
    const text = fixtureText('not-json.txt');
    expect(() => JSON.parse(text) as unknown).toThrow(SyntaxError);
    expect(parseAlertmanagerPayload(text)).toEqual({ ok: false, field: 'body', message: 'body: expected object, got string' });
  });

  it.each<[string, unknown, string, string]>([
    ['null', null, 'body', 'expected object, got null'],
    ['an array', [], 'body', 'expected object, got array'],
    ['no groupKey', { ...fixture('ecs-firing.json'), groupKey: undefined }, 'groupKey', 'required'],
    ['no alerts in the group', { ...fixture('ecs-firing.json'), alerts: [] }, 'alerts', 'must not be empty'],
    ['no alertname label', ecsWith((_a, labels) => delete labels.alertname), 'alerts.0.labels.alertname', alertnameRequired],
    ['an empty alertname label', ecsWith((_a, labels) => (labels.alertname = '')), 'alerts.0.labels.alertname', alertnameRequired],
    ['a numeric label value', ecsWith((_a, labels) => (labels.cluster = 42)), 'alerts.0.labels.cluster', 'expected string, got number'],
    [
      '101 labels',
      ecsWith((_a, labels) => {
        for (let i = 0; Object.keys(labels).length < 101; i++) labels[`extra_${String(i)}`] = 'x';
      }),
      'alerts.0.labels',
      '101 labels, at most 100 allowed',
    ],
    ['labels that are not an object', ecsWith((a) => (a.labels = 'alertname=X')), 'alerts.0.labels', 'expected object, got string'],
    ['annotations that are not strings', ecsWith((a) => (a.annotations = { summary: ['x'] })), 'alerts.0.annotations.summary', 'expected string, got array'],
    ['no startsAt', ecsWith((a) => delete a.startsAt), 'alerts.0.startsAt', 'required'],
    ['a startsAt that is not a timestamp', ecsWith((a) => (a.startsAt = 'yesterday')), 'alerts.0.startsAt', 'expected an RFC 3339 timestamp'],
    ['a fingerprint JavaScript objects answer to', ecsWith((a) => (a.fingerprint = 'constructor')), 'alerts.0.fingerprint', 'reserved word, not a fingerprint'],
    [
      'a __proto__ label whose value is an object',
      JSON.parse('{"version":"4","groupKey":"g","alerts":[{"status":"firing","startsAt":"2024-05-14T09:12:30Z","labels":{"alertname":"X","__proto__":{"isAdmin":true}}}]}'),
      'alerts.0.labels.__proto__',
      'expected string, got object',
    ],
  ])('refuses a payload with %s', (_case, body, field, reason) => {
    expect(parseAlertmanagerPayload(body)).toEqual({ ok: false, field, message: `${field}: ${reason}` });
  });

  it('accepts a group of 5,000 alerts: Alertmanager never retries a 400, so refusing it would lose them', () => {
    const base = (fixture('ecs-firing.json').alerts as Record<string, unknown>[])[0]!;
    const alerts = Array.from({ length: 5000 }, (_, i) => ({ ...base, fingerprint: `f${i}`, labels: { ...(base.labels as object), instance: `i-${i}` } }));
    const result = parseAlertmanagerPayload({ ...fixture('ecs-firing.json'), alerts });
    expect(result.ok && result.alerts.length).toBe(5000);
  });

  it.each([
    ['says how many alerts max_alerts left out', 7, 7],
    ['says none were left out', 0, 0],
    ['cannot say (an older Alertmanager)', undefined, undefined],
    ['sends something that is not a count (read as "cannot say", not refused)', -1, undefined],
  ])('carries truncatedAlerts on every alert of the group when the sender %s', (_what, truncatedAlerts, expected) => {
    const body = fixture('multi-firing.json');
    delete body.truncatedAlerts;
    const result = parseAlertmanagerPayload({ ...body, ...(truncatedAlerts === undefined ? {} : { truncatedAlerts }) });
    expect(result.ok).toBe(true);
    if (result.ok) for (const alert of result.alerts) expectFields(alert, { omittedFromGroup: expected });
  });

  it('accepts exactly 100 labels and label values of exactly 1024 characters', () => {
    const body = ecsWith((_a, labels) => {
      labels.cluster = 'c'.repeat(1024);
      for (let i = 0; Object.keys(labels).length < 100; i++) labels[`extra_${String(i)}`] = 'x';
    });
    const [alert] = parseOk(body);
    expect(Object.keys(alert?.labels ?? {})).toHaveLength(100);
  });

  it('cuts a huge label name short in the field it reports', () => {
    const result = parseAlertmanagerPayload(ecsWith((_a, labels) => (labels['k'.repeat(5000)] = 'v')));
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.field.length).toBeLessThan(100);
  });

  describe('field fallbacks', () => {
    it.each<[string, Record<string, string>, Record<string, string>, Partial<Alert>]>([
      ['severity defaults to warning', { alertname: 'A' }, {}, { severity: 'warning' }],
      ['an empty severity counts as none (as in Prometheus)', { alertname: 'A', severity: '' }, {}, { severity: 'warning' }],
      ['service falls back to job', { alertname: 'A', job: 'node' }, {}, { service: 'node' }],
      ['service wins over job', { alertname: 'A', job: 'node', service: 'web' }, {}, { service: 'web' }],
      ['resource falls back to instance', { alertname: 'A', instance: '10.0.0.1:9100' }, {}, { resource: '10.0.0.1:9100' }],
      ['resource falls back to the resource label', { alertname: 'A', resource: 'db-1' }, {}, { resource: 'db-1' }],
      ['instance_id wins over instance and resource', { alertname: 'A', instance_id: 'i-1', instance: 'h:1', resource: 'r' }, {}, { resource: 'i-1' }],
      ['summary falls back to description', { alertname: 'A' }, { description: 'disk full' }, { summary: 'disk full' }],
      ['summary falls back to the alert name', { alertname: 'A' }, {}, { summary: 'A' }],
      ['a slack_channel id sets the channel', { alertname: 'A', slack_channel: 'G0PRIVATE1' }, {}, { channel: 'G0PRIVATE1' }],
      ['a slack_channel name is ignored', { alertname: 'A', slack_channel: '#ops' }, {}, { channel: undefined }],
      ['a lower-case slack_channel is ignored', { alertname: 'A', slack_channel: 'c0ops' }, {}, { channel: undefined }],
    ])('%s', (_case, labels, annotations, expected) => {
      const [alert] = parseOk(
        ecsWith((a) => {
          a.labels = labels;
          a.annotations = annotations;
        }),
      );
      expectFields(alert, expected);
    });

    it('defaults annotations to none when Alertmanager leaves them out', () => {
      const [alert] = parseOk(ecsWith((a) => delete a.annotations));
      expect(alert?.annotations).toEqual({});
    });
  });

  describe('fingerprints', () => {
    it('hashes the sorted label set when the payload carries no fingerprint', () => {
      const [alert] = parseOk(ecsWith((a) => delete a.fingerprint));
      expect(alert?.fingerprint).toMatch(/^[0-9a-f]{64}$/);
    });

    it('treats an empty fingerprint as none and computes one', () => {
      const [alert] = parseOk(ecsWith((a) => (a.fingerprint = '')));
      expect(alert?.fingerprint).toMatch(/^[0-9a-f]{64}$/);
    });

    it('gives the same computed fingerprint whatever the label order', () => {
      const forward = parseOk(withLabelsOnly({ alertname: 'A', cluster: 'c', service: 's' }));
      const backward = parseOk(withLabelsOnly({ service: 's', cluster: 'c', alertname: 'A' }));
      expect(forward[0]?.fingerprint).toBe(backward[0]?.fingerprint);
    });

    it('gives different computed fingerprints to different label sets', () => {
      const a = parseOk(withLabelsOnly({ alertname: 'A', instance: 'h1' }));
      const b = parseOk(withLabelsOnly({ alertname: 'A', instance: 'h2' }));
      expect(a[0]?.fingerprint).not.toBe(b[0]?.fingerprint);
    });

    it('keeps fingerprint and group when an alert resolves, so it updates the same incident', () => {
      const [firing] = parseOk(fixture('ecs-firing.json'));
      const [resolved] = parseOk(fixture('ecs-resolved.json'));
      expect(resolved?.fingerprint).toBe(firing?.fingerprint);
      expect(resolved?.groupKey).toBe(firing?.groupKey);
    });

    it.each(['ecs-firing.json', 'ecs-resolved.json', 'ec2-firing.json', 'sg-firing.json', 'multi-firing.json', 'bad-param.json'])(
      'yields identical alerts when %s is delivered twice',
      (name) => {
        expect(parseOk(fixture(name))).toEqual(parseOk(fixture(name)));
      },
    );
  });

  describe('hostile input', () => {
    it('strips __proto__, constructor and prototype labels without touching any prototype', () => {
      const result = parseAlertmanagerPayload(fixture('hostile-proto.json'));
      expect(result.ok).toBe(true);
      if (!result.ok) return;
      const [alert] = result.alerts;
      expect(Object.keys(alert?.labels ?? {}).sort()).toEqual(['alertname', 'cluster', 'service', 'severity']);
      expect(Object.keys(alert?.annotations ?? {})).toEqual(['summary']);
      for (const record of [alert?.labels, alert?.annotations]) {
        expect(Object.getPrototypeOf(record)).toBe(Object.prototype);
        expect(Object.hasOwn(record ?? {}, '__proto__')).toBe(false);
        expect(Object.hasOwn(record ?? {}, 'constructor')).toBe(false);
      }
      expect(Object.hasOwn(alert ?? {}, 'polluted')).toBe(false);
      expect((Object.prototype as Record<string, unknown>).polluted).toBeUndefined();
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    });

    it('computes the fallback fingerprint from the stripped labels only', () => {
      const plain = parseOk(withLabelsOnly({ alertname: 'A' }));
      const hostile = parseOk(
        JSON.parse('{"version":"4","groupKey":"{}:{}","alerts":[{"status":"firing","startsAt":"2024-05-14T09:12:30Z","labels":{"alertname":"A","__proto__":"x","constructor":"y"}}]}'),
      );
      expect(hostile[0]?.fingerprint).toBe(plain[0]?.fingerprint);
    });
  });
});
