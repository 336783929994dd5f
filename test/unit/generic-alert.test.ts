import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Alert } from '../../src/core/alert.js';
import { parseGenericAlert } from '../../src/core/ingest/generic.js';

const now = '2024-05-14T12:00:00.000Z';
const fixtureDir = new URL('../fixtures/generic/', import.meta.url);

/** A fresh copy every time, as each webhook delivery is parsed from its own bytes. */
function fixture(name: string): Record<string, unknown> {
  return JSON.parse(readFileSync(new URL(name, fixtureDir), 'utf8')) as Record<string, unknown>;
}

function valid(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return { ...fixture('valid.json'), ...overrides };
}

function parseOne(body: unknown, nowIso = now): Alert {
  const result = parseGenericAlert(body, nowIso);
  if (!result.ok) throw new Error(`expected the alert to parse, got: ${result.message}`);
  expect(result.alerts).toHaveLength(1);
  return result.alerts[0]!;
}

describe('parseGenericAlert', () => {
  it('maps valid.json to a generic alert keyed by its fingerprint', () => {
    const alert = parseOne(fixture('valid.json'));
    expect(alert).toEqual({
      source: 'generic',
      groupKey: `generic:${alert.fingerprint}`,
      fingerprint: expect.stringMatching(/^[0-9a-f]{64}$/) as unknown,
      name: 'HTTPHealthCheckFailed',
      status: 'firing',
      severity: 'critical',
      service: 'checkout-api',
      resource: 'https://checkout.example/healthz',
      summary: 'checkout-api health check has failed 3 times in a row (HTTP 503)',
      labels: {
        env: 'prod',
        team: 'payments',
        region: 'eu-west-1',
        alertname: 'HTTPHealthCheckFailed',
        service: 'checkout-api',
        severity: 'critical',
        resource: 'https://checkout.example/healthz',
        source: 'uptime-kuma',
      },
      annotations: { summary: 'checkout-api health check has failed 3 times in a row (HTTP 503)' },
      startsAt: now,
    });
  });

  it('defaults the source to generic and adds no source label', () => {
    const alert = parseOne(valid({ source: undefined, labels: undefined, resource: undefined }));
    expect(alert.source).toBe('generic');
    expect(alert.labels).toEqual({ alertname: 'HTTPHealthCheckFailed', service: 'checkout-api', severity: 'critical' });
    expect(Object.hasOwn(alert, 'resource')).toBe(false);
  });

  it('lets the named fields win over same-named labels, so runbook matching sees the real name', () => {
    const alert = parseOne(valid({ labels: { alertname: 'Other', service: 'other', severity: 'info', source: 'x', env: 'prod' } }));
    expect(alert.labels).toMatchObject({ alertname: 'HTTPHealthCheckFailed', service: 'checkout-api', severity: 'critical', source: 'uptime-kuma', env: 'prod' });
  });

  it('uses a given fingerprint as the incident key', () => {
    const alert = parseOne(valid({ fingerprint: 'checkout-health-eu' }));
    expect(alert.fingerprint).toBe('checkout-health-eu');
    expect(alert.groupKey).toBe('generic:checkout-health-eu');
  });

  it('ends a resolved alert at the time it was received', () => {
    const alert = parseOne(valid({ status: 'resolved' }), '2024-05-14T12:20:00.000Z');
    expect(alert.status).toBe('resolved');
    expect(alert.endsAt).toBe('2024-05-14T12:20:00.000Z');
  });

  it('takes the channel from a slack_channel label that is a channel id', () => {
    expect(parseOne(valid({ labels: { slack_channel: 'C0PAYMENTS' } })).channel).toBe('C0PAYMENTS');
    expect(Object.hasOwn(parseOne(valid({ labels: { slack_channel: '#payments' } })), 'channel')).toBe(false);
  });

  describe('computed fingerprints', () => {
    it('are identical when the same alert is delivered twice', () => {
      expect(parseOne(fixture('valid.json'))).toEqual(parseOne(fixture('valid.json')));
    });

    it('stay the same when the alert resolves or its wording changes, so it updates one incident', () => {
      const firing = parseOne(valid());
      const resolved = parseOne(valid({ status: 'resolved', severity: 'warning', summary: 'recovered' }), '2024-05-14T12:30:00.000Z');
      expect(resolved.fingerprint).toBe(firing.fingerprint);
      expect(resolved.groupKey).toBe(firing.groupKey);
    });

    it.each<[string, Record<string, unknown>]>([
      ['source', { source: 'pingdom' }],
      ['name', { name: 'TLSCertificateExpiring' }],
      ['service', { service: 'cart-api' }],
      ['resource', { resource: 'https://cart.example/healthz' }],
      ['missing resource', { resource: undefined }],
    ])('differ when the %s differs', (_field, overrides) => {
      expect(parseOne(valid(overrides)).fingerprint).not.toBe(parseOne(valid()).fingerprint);
    });
  });

  it.each<[string, unknown, string, string]>([
    ['missing-name.json', fixture('missing-name.json'), 'name', 'required'],
    ['a non-object body', 'name=HTTPHealthCheckFailed', 'body', 'expected object, got string'],
    ['an unknown status', valid({ status: 'ok' }), 'status', 'expected firing or resolved, got "ok"'],
    ['an empty severity', valid({ severity: '' }), 'severity', 'must not be empty'],
    ['no service', valid({ service: undefined }), 'service', 'required'],
    ['no summary', valid({ summary: undefined }), 'summary', 'required'],
    ['a service too long for a label', valid({ service: 's'.repeat(1025) }), 'service', 'longer than 1024 characters'],
    ['a source that is not short', valid({ source: 'x'.repeat(65) }), 'source', 'longer than 64 characters'],
    ['a numeric label', valid({ labels: { env: 1 } }), 'labels.env', 'expected string, got number'],
    ['a fingerprint with spaces', valid({ fingerprint: 'a b' }), 'fingerprint', 'expected letters, digits, ".", "_", ":" or "-"'],
    ['a fingerprint JavaScript objects answer to', valid({ fingerprint: '__proto__' }), 'fingerprint', 'reserved word, not a fingerprint'],
  ])('refuses %s, naming the field', (_case, body, field, reason) => {
    expect(parseGenericAlert(body, now)).toEqual({ ok: false, field, message: `${field}: ${reason}` });
  });

  it('strips __proto__ and constructor labels without touching any prototype', () => {
    const body = JSON.parse(
      '{"name":"A","severity":"warning","service":"s","summary":"x","status":"firing","__proto__":{"polluted":"top"},"labels":{"__proto__":"p","constructor":"c","env":"prod"}}',
    ) as unknown;
    const alert = parseOne(body);
    expect(Object.keys(alert.labels).sort()).toEqual(['alertname', 'env', 'service', 'severity']);
    expect(Object.getPrototypeOf(alert.labels)).toBe(Object.prototype);
    expect(Object.hasOwn(alert.labels, 'constructor')).toBe(false);
    expect((Object.prototype as Record<string, unknown>).polluted).toBeUndefined();
  });
});
