import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import type { Alert } from '../../src/core/alert.js';
import type { CloudWatchResult } from '../../src/core/ingest/cloudwatch.js';
import { dimensionLabel, isEventBridgeEvent, parseCloudWatchEvent, parseCloudWatchSnsAlarm, severityFromDescription } from '../../src/core/ingest/cloudwatch.js';
import { runbookMatches } from '../../src/core/runbooks/match.js';
import { runbookSchema } from '../../src/core/runbooks/schema.js';
import { cloudwatchFixture } from '../fakes/sns-signer.js';

type Json = Record<string, unknown>;

/** The CloudWatch alarm inside an SNS fixture, parsed, so a test can change it. */
function snsAlarm(fixture = 'sns-alarm-notification.json'): Json {
  return JSON.parse(cloudwatchFixture(fixture).Message as string) as Json;
}

function parseSns(alarm: Json): CloudWatchResult {
  return parseCloudWatchSnsAlarm(JSON.stringify(alarm));
}

function alertOf(result: CloudWatchResult): Alert {
  if (!result.ok) throw new Error(`expected the alarm to parse, got: ${result.message}`);
  if (result.kind !== 'alert') throw new Error(`expected an alert, got ${result.kind}`);
  return result.alert;
}

const ec2Arn = 'arn:aws:cloudwatch:eu-west-1:123456789012:alarm:StatusCheckFailed_Instance';
const ecsArn = 'arn:aws:cloudwatch:us-east-1:123456789012:alarm:checkout-api-cpu-high';

describe('CloudWatch alarm via SNS → Alert', () => {
  it('maps the ALARM fixture to a firing alert keyed by the alarm ARN', () => {
    const alert = alertOf(parseSns(snsAlarm()));
    expect(alert).toEqual({
      source: 'cloudwatch',
      groupKey: `cloudwatch:${ec2Arn}`,
      fingerprint: expect.stringMatching(/^[0-9a-f]{64}$/) as unknown,
      name: 'StatusCheckFailed_Instance',
      status: 'firing',
      severity: 'critical',
      resource: 'i-0abc123def4567890',
      summary: 'Instance status check failing on web-1 (i-0abc123def4567890). severity=critical',
      labels: {
        alertname: 'StatusCheckFailed_Instance',
        alarm_name: 'StatusCheckFailed_Instance',
        namespace: 'AWS/EC2',
        metric_name: 'StatusCheckFailed_Instance',
        instance_id: 'i-0abc123def4567890',
        region: 'eu-west-1',
        account: '123456789012',
        severity: 'critical',
      },
      annotations: {
        summary: 'Instance status check failing on web-1 (i-0abc123def4567890). severity=critical',
        description: 'Instance status check failing on web-1 (i-0abc123def4567890). severity=critical',
        reason: expect.stringMatching(/^Threshold Crossed/) as unknown,
      },
      startsAt: '2025-05-14T12:00:05.123Z',
      generatorURL: 'https://eu-west-1.console.aws.amazon.com/cloudwatch/home?region=eu-west-1#alarmsV2:alarm/StatusCheckFailed_Instance',
    });
  });

  it('maps OK to the same alert resolved, so it resolves what ALARM opened', () => {
    const firing = alertOf(parseSns(snsAlarm()));
    const resolved = alertOf(parseSns(snsAlarm('sns-ok-notification.json')));
    expect(resolved).toMatchObject({ status: 'resolved', groupKey: firing.groupKey, fingerprint: firing.fingerprint, startsAt: '2025-05-14T12:14:05.789Z', endsAt: '2025-05-14T12:14:05.789Z' });
  });

  it('keeps INSUFFICIENT_DATA apart from alerts: it neither fires nor resolves', () => {
    const result = parseSns(snsAlarm('sns-insufficient-data-notification.json'));
    expect(result).toMatchObject({ ok: true, kind: 'insufficient_data', alarm: { groupKey: `cloudwatch:${ec2Arn}`, name: 'StatusCheckFailed_Instance', reason: 'Insufficient Data: 2 datapoints were unknown.', changedAt: '2025-05-14T12:06:05.000Z' } });
    expect(Object.hasOwn((result as { alarm: object }).alarm, 'status')).toBe(false);
  });

  it('takes the region code from the ARN, not the display name in Region', () => {
    const alert = alertOf(parseSns({ ...snsAlarm(), Region: 'Asia Pacific (Tokyo)' }));
    expect(alert.labels.region).toBe('eu-west-1');
  });

  it.each<[string, string | null | undefined, string]>([
    ['severity=critical in the description', 'disk full. severity=critical', 'critical'],
    ['a lower-case convention in mixed case', 'Severity=Info: for the dashboard', 'info'],
    ['no convention', 'CPU is high', 'warning'],
    ['no description at all', undefined, 'warning'],
    ['a word that only ends in severity=', 'notseverity=critical', 'warning'],
  ])('severity from %s', (_name, description, expected) => {
    const alarm = { ...snsAlarm(), AlarmDescription: description };
    expect(alertOf(parseSns(alarm)).severity).toBe(expected);
  });

  it('summarises with the state reason, then the name, when there is no description', () => {
    expect(alertOf(parseSns({ ...snsAlarm(), AlarmDescription: null })).summary).toMatch(/^Threshold Crossed/);
    expect(alertOf(parseSns({ ...snsAlarm(), AlarmDescription: '', NewStateReason: '' })).summary).toBe('StatusCheckFailed_Instance');
  });

  it('reads metric math alarms: the first MetricStat names the metric, every dimension becomes a label', () => {
    const alarm = snsAlarm();
    alarm.Trigger = {
      Metrics: [
        { Id: 'e1', Expression: 'm1/m2*100', Label: 'error rate', ReturnData: true },
        { Id: 'm1', MetricStat: { Metric: { Dimensions: [{ name: 'LoadBalancer', value: 'app/web/123' }], MetricName: 'HTTPCode_Target_5XX_Count', Namespace: 'AWS/ApplicationELB' }, Period: 60, Stat: 'Sum' }, ReturnData: false },
        { Id: 'm2', MetricStat: { Metric: { Dimensions: [{ name: 'TargetGroup', value: 'targetgroup/web/456' }], MetricName: 'RequestCount', Namespace: 'AWS/ApplicationELB' }, Period: 60, Stat: 'Sum' }, ReturnData: false },
      ],
    };
    const alert = alertOf(parseSns(alarm));
    expect(alert.labels).toMatchObject({ namespace: 'AWS/ApplicationELB', metric_name: 'HTTPCode_Target_5XX_Count', load_balancer: 'app/web/123', target_group: 'targetgroup/web/456' });
    expect(alert.resource).toBe('app/web/123');
  });

  it('reads composite alarms, which have no Trigger', () => {
    const alarm = { ...snsAlarm(), Trigger: undefined };
    const alert = alertOf(parseSns(alarm));
    expect(alert.labels).toEqual({ alertname: 'StatusCheckFailed_Instance', alarm_name: 'StatusCheckFailed_Instance', region: 'eu-west-1', account: '123456789012', severity: 'critical' });
    expect(Object.hasOwn(alert, 'resource')).toBe(false);
  });

  it('lets the alarm’s own facts win over a same-named dimension, and drops reserved names', () => {
    const alarm = snsAlarm();
    alarm.Trigger = { MetricName: 'm', Namespace: 'Custom', Dimensions: [{ name: 'Region', value: 'moon-1' }, { name: 'constructor', value: 'x' }, { name: '__proto__', value: 'y' }, { name: 'AlertName', value: 'spoof' }] };
    const alert = alertOf(parseSns(alarm));
    expect(alert.labels.region).toBe('eu-west-1');
    expect(alert.labels.alertname).toBe('StatusCheckFailed_Instance');
    expect(alert.labels.alert_name).toBe('spoof');
    expect(Object.hasOwn(alert.labels, 'constructor')).toBe(false);
    expect(Object.getPrototypeOf(alert.labels)).toBe(Object.prototype);
  });

  it('normalises CloudWatch timestamps (+0000 without a colon) to UTC ISO form', () => {
    expect(alertOf(parseSns({ ...snsAlarm(), StateChangeTime: '2025-05-14T14:00:05.123+0200' })).startsAt).toBe('2025-05-14T12:00:05.123Z');
    expect(alertOf(parseSns({ ...snsAlarm(), StateChangeTime: '2025-05-14T12:00:05Z' })).startsAt).toBe('2025-05-14T12:00:05.000Z');
  });

  it.each<[string, string, string]>([
    ['a Message that is not JSON', 'hello from a human', 'Message'],
    ['an alarm without an ARN', JSON.stringify({ ...snsAlarm(), AlarmArn: undefined }), 'Message.AlarmArn'],
    ['an ARN that is not a CloudWatch alarm', JSON.stringify({ ...snsAlarm(), AlarmArn: 'arn:aws:sns:eu-west-1:123456789012:topic' }), 'Message.AlarmArn'],
    ['an unknown state', JSON.stringify({ ...snsAlarm(), NewStateValue: 'ON_FIRE' }), 'Message.NewStateValue'],
    ['an unreadable time', JSON.stringify({ ...snsAlarm(), StateChangeTime: 'yesterday' }), 'Message.StateChangeTime'],
    ['a 300-character alarm name', JSON.stringify({ ...snsAlarm(), AlarmName: 'x'.repeat(300) }), 'Message.AlarmName'],
  ])('refuses %s, naming the field', (_name, message, field) => {
    const result = parseCloudWatchSnsAlarm(message);
    expect(result).toMatchObject({ ok: false, field });
    if (!result.ok) expect(result.message.startsWith(`${field}:`)).toBe(true);
  });
});

describe('EventBridge "CloudWatch Alarm State Change" → Alert', () => {
  it('maps the ALARM event to a firing alert with the same label scheme as SNS', () => {
    const alert = alertOf(parseCloudWatchEvent(cloudwatchFixture('eventbridge-alarm.json')));
    expect(alert).toMatchObject({
      source: 'cloudwatch',
      groupKey: `cloudwatch:${ecsArn}`,
      name: 'checkout-api-cpu-high',
      status: 'firing',
      severity: 'warning',
      service: 'checkout-api',
      resource: 'prod',
      summary: 'checkout-api CPU above 90% for 5 minutes',
      startsAt: '2025-05-14T13:00:40.989Z',
      labels: {
        alertname: 'checkout-api-cpu-high',
        alarm_name: 'checkout-api-cpu-high',
        namespace: 'AWS/ECS',
        metric_name: 'CPUUtilization',
        cluster_name: 'prod',
        service_name: 'checkout-api',
        region: 'us-east-1',
        account: '123456789012',
        severity: 'warning',
      },
    });
  });

  it('maps OK to the resolution of the same alert', () => {
    const firing = alertOf(parseCloudWatchEvent(cloudwatchFixture('eventbridge-alarm.json')));
    const resolved = alertOf(parseCloudWatchEvent(cloudwatchFixture('eventbridge-ok.json')));
    expect(resolved).toMatchObject({ status: 'resolved', fingerprint: firing.fingerprint, groupKey: firing.groupKey, endsAt: '2025-05-14T13:20:41.111Z' });
  });

  it('gives an alarm the same identity through SNS and through EventBridge', () => {
    const viaSns = alertOf(parseSns(snsAlarm()));
    const event = cloudwatchFixture('eventbridge-alarm.json') as Json & { detail: Json };
    const viaEvents = alertOf(parseCloudWatchEvent({ ...event, resources: [ec2Arn], detail: { ...event.detail, alarmName: 'StatusCheckFailed_Instance' } }));
    expect(viaEvents.groupKey).toBe(viaSns.groupKey);
    expect(viaEvents.fingerprint).toBe(viaSns.fingerprint);
  });

  it.each<[string, (e: Json & { detail: Json }) => Json, string]>([
    ['another detail-type', (e) => ({ ...e, 'detail-type': 'CloudWatch Alarm Configuration Change' }), 'detail-type'],
    ['another source', (e) => ({ ...e, source: 'aws.ec2' }), 'source'],
    ['no alarm in resources', (e) => ({ ...e, resources: [] }), 'resources'],
    ['no state', (e) => ({ ...e, detail: { ...e.detail, state: undefined } }), 'detail.state'],
  ])('refuses %s', (_name, edit, field) => {
    const event = cloudwatchFixture('eventbridge-alarm.json') as Json & { detail: Json };
    expect(parseCloudWatchEvent(edit(event))).toMatchObject({ ok: false, field });
  });

  it('tells EventBridge events from other bodies by detail-type', () => {
    expect(isEventBridgeEvent(cloudwatchFixture('eventbridge-alarm.json'))).toBe(true);
    expect(isEventBridgeEvent(cloudwatchFixture('sns-alarm-notification.json'))).toBe(false);
    expect(isEventBridgeEvent(null)).toBe(false);
    expect(isEventBridgeEvent('detail-type')).toBe(false);
  });
});

describe('dimensionLabel', () => {
  it.each([
    ['InstanceId', 'instance_id'],
    ['ClusterName', 'cluster_name'],
    ['ServiceName', 'service_name'],
    ['GroupId', 'group_id'],
    ['DBInstanceIdentifier', 'db_instance_identifier'],
    ['AutoScalingGroupName', 'auto_scaling_group_name'],
    ['LoadBalancer', 'load_balancer'],
    ['FunctionName', 'function_name'],
    ['VolumeId', 'volume_id'],
    ['already_snake', 'already_snake'],
    ['with-dash and space', 'with_dash_and_space'],
    ['EC2InstanceId', 'ec2_instance_id'],
    ['---', ''],
  ])('%s → %s', (name, expected) => {
    expect(dimensionLabel(name)).toBe(expected);
  });
});

describe('severityFromDescription', () => {
  it('defaults to warning', () => {
    expect(severityFromDescription(undefined)).toBe('warning');
  });
});

describe('the shipped EC2 runbook', () => {
  it('matches the CloudWatch StatusCheckFailed_Instance alarm on its instance', () => {
    const runbook = runbookSchema.parse(parseYaml(readFileSync(new URL('../../runbooks/ec2-stop-start-instance.yaml', import.meta.url), 'utf8')));
    const alert = alertOf(parseSns(snsAlarm()));
    expect(runbookMatches(runbook, alert)).toBe(true);
  });
});
