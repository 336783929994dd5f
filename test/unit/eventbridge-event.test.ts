import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Alert } from '../../src/core/alert.js';
import { parseEventBridgeEvent } from '../../src/core/ingest/eventbridge.js';
import { resourceName } from '../../src/core/ingest/eventbridge-security.js';
import { severityFromScore } from '../../src/core/ingest/eventbridge-alert.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
const fixture = (name: string): any => JSON.parse(readFileSync(`test/fixtures/eventbridge/${name}`, 'utf8'));

function alertsOf(body: unknown): Alert[] {
  const result = parseEventBridgeEvent(body);
  if (!result.ok || result.kind !== 'alerts') throw new Error(`expected alerts, got ${JSON.stringify(result)}`);
  return result.alerts;
}

describe('EventBridge events as alerts', () => {
  it.each<[string, Partial<Alert>, Record<string, string>]>([
    [
      'guardduty-iam-user-high.json',
      { name: 'GuardDutyFinding', status: 'firing', severity: 'high', source: 'eventbridge' },
      { finding_type: 'UnauthorizedAccess:IAMUser/MaliciousIPCaller.Custom', severity_score: '8', resource_type: 'AccessKey', principal_type: 'IAMUser', principal_name: 'ci-deployer', access_key_id: 'AKIAIOSFODNN7EXAMPLE', account: '123456789012', region: 'eu-west-1' },
    ],
    [
      'guardduty-assumed-role-critical.json',
      { name: 'GuardDutyFinding', status: 'firing', severity: 'critical' },
      { principal_type: 'AssumedRole', principal_name: 'checkout-api-instance-role', severity_score: '9.2' },
    ],
    [
      'config-restricted-ssh-noncompliant.json',
      { name: 'ConfigRuleNonCompliant', status: 'firing', severity: 'warning', resource: 'sg-0123456789abcdef0' },
      { config_rule_name: 'restricted-ssh', resource_type: 'AWS::EC2::SecurityGroup', resource_id: 'sg-0123456789abcdef0', compliance_type: 'NON_COMPLIANT' },
    ],
    ['config-restricted-ssh-compliant.json', { name: 'ConfigRuleNonCompliant', status: 'resolved' }, { compliance_type: 'COMPLIANT' }],
    [
      'config-access-keys-rotated-noncompliant.json',
      { name: 'ConfigRuleNonCompliant', status: 'firing' },
      { config_rule_name: 'access-keys-rotated', resource_type: 'AWS::IAM::User', resource_id: 'AIDACKCEVSQ6C2EXAMPLE' },
    ],
    [
      'securityhub-ec2-13-imported.json',
      { name: 'SecurityHubFinding', status: 'firing', severity: 'high' },
      { control_id: 'EC2.13', resource_type: 'AwsEc2SecurityGroup', resource_name: 'sg-0fedcba9876543210', resource_arn: 'arn:aws:ec2:eu-west-1:123456789012:security-group/sg-0fedcba9876543210', workflow_status: 'NEW' },
    ],
    ['securityhub-ec2-13-resolved.json', { name: 'SecurityHubFinding', status: 'resolved' }, { workflow_status: 'RESOLVED' }],
    ['securityhub-ec2-13-archived.json', { name: 'SecurityHubFinding', status: 'resolved' }, { control_id: 'EC2.13' }],
    [
      'cloudtrail-stop-logging.json',
      { name: 'CloudTrailLoggingStopped', status: 'firing', severity: 'high', resource: 'arn:aws:cloudtrail:eu-west-1:123456789012:trail/management-events', startsAt: '2025-11-23T14:20:28.000Z' },
      { trail_name: 'management-events', trail_arn: 'arn:aws:cloudtrail:eu-west-1:123456789012:trail/management-events', event_name: 'StopLogging', user_arn: 'arn:aws:iam::123456789012:user/ci-deployer' },
    ],
    [
      'cloudtrail-delete-trail.json',
      { name: 'CloudTrailTrailDeleted', status: 'firing', severity: 'high' },
      { trail_name: 'management-events', trail_arn: 'arn:aws:cloudtrail:eu-west-1:123456789012:trail/management-events' },
    ],
    [
      'cloudtrail-delete-bucket-public-access-block.json',
      { name: 'S3BucketPublicAccessBlockRemoved', status: 'firing', severity: 'high', resource: 'arn:aws:s3:::checkout-invoices' },
      { bucket_name: 'checkout-invoices', event_source: 'aws.s3', flags_off: 'BlockPublicAcls,IgnorePublicAcls,BlockPublicPolicy,RestrictPublicBuckets' },
    ],
    ['cloudtrail-put-bucket-public-access-block-off.json', { name: 'S3BucketPublicAccessBlockRemoved' }, { bucket_name: 'checkout-invoices', flags_off: 'BlockPublicPolicy,RestrictPublicBuckets' }],
    [
      'health-ec2-retirement-open.json',
      { name: 'AWSHealthEvent', status: 'firing', severity: 'warning', resource: 'i-0abc123def4567890' },
      { event_type_code: 'AWS_EC2_INSTANCE_RETIREMENT_SCHEDULED', instance_id: 'i-0abc123def4567890', status_code: 'upcoming', health_service: 'EC2' },
    ],
    ['health-ec2-retirement-closed.json', { name: 'AWSHealthEvent', status: 'resolved', endsAt: '2025-12-01T12:10:00Z' }, { status_code: 'closed' }],
    [
      'ec2-instance-state-change.json',
      { name: 'EC2InstanceStateChangeNotification', status: 'firing', severity: 'warning' },
      { detail_type: 'EC2 Instance State-change Notification', resource_arn: 'arn:aws:ec2:eu-west-1:123456789012:instance/i-0abc123def4567890' },
    ],
  ])('%s', (file, expected, labels) => {
    const [alert, ...rest] = alertsOf(fixture(file));
    expect(rest).toEqual([]);
    expect(alert).toMatchObject({ ...expected, labels: { ...labels, alertname: expected.name } });
  });

  it.each([
    ['config-not-applicable.json', /NOT_APPLICABLE/],
    ['cloudtrail-stop-logging-denied.json', /StopLogging failed \(AccessDenied\); nothing changed/],
    ['cloudtrail-put-bucket-public-access-block-all-on.json', /blocks all public access; nothing was removed/],
  ])('ignores %s, saying why', (file, reason) => {
    const result = parseEventBridgeEvent(fixture(file));
    expect(result).toMatchObject({ ok: true, kind: 'ignored' });
    if (result.ok && result.kind === 'ignored') expect(result.reason).toMatch(reason);
  });

  it.each([
    ['malformed-no-detail.json', 'detail', /detail: required/],
    ['malformed-bad-account.json', 'account', /12-digit AWS account id/],
    ['malformed-guardduty-severity-text.json', 'detail.severity', /expected number, got string/],
  ])('refuses %s, naming the field %s', (file, field, message) => {
    const result = parseEventBridgeEvent(fixture(file));
    expect(result).toMatchObject({ ok: false, field });
    if (!result.ok) expect(result.message).toMatch(message);
  });

  it.each([[null], ['a string'], [[]], [{ 'detail-type': 'x' }]])('refuses %j', (body) => {
    expect(parseEventBridgeEvent(body).ok).toBe(false);
  });

  it('keeps a hostile event from reaching Object.prototype and still alerts on it', () => {
    const [alert] = alertsOf(JSON.parse(readFileSync('test/fixtures/eventbridge/hostile-proto-pollution.json', 'utf8')));
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.getPrototypeOf(alert!.labels)).toBe(Object.prototype);
    expect(alert!.labels).toMatchObject({ finding_id: '__proto__', principal_name: 'constructor' });
    expect(Object.hasOwn(alert!.labels, 'polluted')).toBe(false);
  });

  it('joins a redelivery and a repeat of the same finding to one incident, and keeps other findings apart', () => {
    const first = fixture('guardduty-iam-user-high.json');
    const redelivered = { ...first, id: 'another-delivery-id' };
    const repeated = structuredClone(first);
    repeated.time = '2025-11-23T18:00:00Z';
    repeated.detail.service.count = 9;
    repeated.detail.severity = 8.5;
    const other = fixture('guardduty-assumed-role-critical.json');
    const keys = [first, redelivered, repeated, other].map((e) => alertsOf(e)[0]!.groupKey);
    expect(new Set(keys.slice(0, 3)).size).toBe(1);
    expect(keys[3]).not.toBe(keys[0]);
  });

  it('resolves a Config rule on the same incident its non-compliance opened', () => {
    const [open] = alertsOf(fixture('config-restricted-ssh-noncompliant.json'));
    const [close] = alertsOf(fixture('config-restricted-ssh-compliant.json'));
    expect(close!.groupKey).toBe(open!.groupKey);
    expect(close!.fingerprint).toBe(open!.fingerprint);
  });

  it('makes one alert per finding of a Security Hub event', () => {
    const event = fixture('securityhub-ec2-13-imported.json');
    const second = structuredClone(event.detail.findings[0]);
    second.Id = 'arn:aws:securityhub:eu-west-1:123456789012:security-control/EC2.13/finding/other';
    event.detail.findings.push(second);
    const alerts = alertsOf(event);
    expect(alerts).toHaveLength(2);
    expect(alerts[0]!.groupKey).not.toBe(alerts[1]!.groupKey);
  });

  it('refuses a Security Hub event with more findings than EventBridge sends in one', () => {
    const event = fixture('securityhub-ec2-13-imported.json');
    event.detail.findings = Array.from({ length: 101 }, () => event.detail.findings[0]);
    expect(parseEventBridgeEvent(event)).toMatchObject({ ok: false, field: 'detail.findings' });
  });

  it('cuts an over-long free-text label instead of refusing the finding', () => {
    const event = fixture('guardduty-iam-user-high.json');
    event.detail.resource.accessKeyDetails.principalId = 'x'.repeat(200);
    event.detail.title = 'y'.repeat(3000);
    const [alert] = alertsOf(event);
    expect(alert!.summary).toHaveLength(3000);
    expect(alert!.labels.principal_id).toHaveLength(200);
  });

  it.each([
    [10, 'critical'],
    [9, 'critical'],
    [8.9, 'high'],
    [7, 'high'],
    [6.9, 'medium'],
    [4, 'medium'],
    [3.9, 'low'],
    [0.1, 'low'],
  ])('rates a finding score of %d as %s', (score, severity) => {
    expect(severityFromScore(score)).toBe(severity);
  });

  it.each([
    ['arn:aws:ec2:eu-west-1:123456789012:security-group/sg-1', 'sg-1'],
    ['arn:aws:s3:::checkout-invoices', 'checkout-invoices'],
    ['arn:aws:iam::123456789012:user/path/alice', 'alice'],
    ['AIDACKCEVSQ6C2EXAMPLE', 'AIDACKCEVSQ6C2EXAMPLE'],
  ])('names the resource of %s %s', (arn, name) => {
    expect(resourceName(arn)).toBe(name);
  });
});
