import { generateKeyPairSync } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditRecord } from '../../src/core/audit.js';
import type { Incident } from '../../src/core/incident.js';
import type { Proposal } from '../../src/core/proposal.js';
import { cloudwatchFixture, createFakeSnsEndpoints, signSnsMessage, TEST_CERT_URL } from '../fakes/sns-signer.js';
import type { FakeSnsEndpoints, SnsBody } from '../fakes/sns-signer.js';
import { startHarness } from './harness.js';
import type { Harness } from './harness.js';

type IncidentList = { incidents: (Incident & { proposals: Proposal[] })[] };

const ec2GroupKey = 'cloudwatch:arn:aws:cloudwatch:eu-west-1:123456789012:alarm:StatusCheckFailed_Instance';

/** POST an SNS delivery as SNS does: JSON as text/plain, the type in a header. */
function postSns(h: Harness, body: SnsBody, headers: Record<string, string> = { 'x-amz-sns-message-type': String(body.Type) }): Promise<Response> {
  return h.postAlert('/alerts/cloudwatch', body, { 'content-type': 'text/plain; charset=UTF-8', ...headers });
}

/** The ALARM fixture for another alarm, signed with the test key. */
function signedAlarmFor(alarmName: string, fixture = 'sns-alarm-notification.json'): SnsBody {
  const body = cloudwatchFixture(fixture);
  const message = JSON.parse(body.Message as string) as Record<string, unknown>;
  message.AlarmName = alarmName;
  message.AlarmArn = `arn:aws:cloudwatch:eu-west-1:123456789012:alarm:${alarmName}`;
  return signSnsMessage({ ...body, Message: JSON.stringify(message), MessageId: `msg-${alarmName}` });
}

async function auditOf(h: Harness, query: string): Promise<AuditRecord[]> {
  return (await h.api<{ records: AuditRecord[] }>(`/api/audit?n=1000&${query}`)).records;
}

describe('CloudWatch alarms through SNS: signature checked, then alarm → incident', () => {
  let h: Harness;
  let sns: FakeSnsEndpoints;

  beforeAll(async () => {
    sns = createFakeSnsEndpoints();
    h = await startHarness({}, { fetch: sns.fetch });
  });
  afterAll(async () => h.close());

  it.each<[string, () => SnsBody, number]>([
    ['a tampered Message', () => cloudwatchFixture('hostile-tampered-message.json'), 401],
    ['a signature by a key that is not SNS’s', () => signSnsMessage(cloudwatchFixture('sns-alarm-notification.json'), { key: generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey }), 401],
    ['a certificate URL off amazonaws.com', () => cloudwatchFixture('hostile-cert-url-off-amazonaws.json'), 400],
    ['an http certificate URL', () => cloudwatchFixture('hostile-cert-url-http.json'), 400],
  ])('refuses %s and stores nothing', async (_name, body, status) => {
    const res = await postSns(h, body());
    expect(res.status).toBe(status);
    expect(((await res.json()) as { error: string }).error).toMatch(/SigningCertURL|Signature/);
    await h.settle();
    expect((await h.api<IncidentList>('/api/incidents')).incidents).toEqual([]);
    expect(await auditOf(h, '')).toEqual([]);
  });

  it('refuses a tampered message even when the SNS header is missing', async () => {
    const res = await postSns(h, cloudwatchFixture('hostile-tampered-message.json'), {});
    expect(res.status).toBe(401);
    expect((await h.api<IncidentList>('/api/incidents')).incidents).toEqual([]);
  });

  it('fetched the certificate only from amazonaws.com over https', () => {
    expect(new Set(sns.certificateFetches())).toEqual(new Set([TEST_CERT_URL]));
  });

  it('opens an incident for a correctly signed ALARM and proposes the EC2 runbook for its instance', async () => {
    const res = await postSns(h, cloudwatchFixture('sns-alarm-notification.json'));
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ accepted: 1, incidents: ['INC-1'] });
    await h.settle();
    const { incidents } = await h.api<IncidentList>('/api/incidents');
    expect(incidents).toHaveLength(1);
    expect(incidents[0]).toMatchObject({ id: 'INC-1', source: 'cloudwatch', groupKey: ec2GroupKey, status: 'open', severity: 'critical' });
    expect(incidents[0]?.proposals.map((p) => p.plan)).toMatchObject([{ runbookId: 'ec2-stop-start-instance', target: 'ec2:i-0abc123def4567890' }]);
  });

  it('treats a redelivered notification as the same alert', async () => {
    expect((await postSns(h, cloudwatchFixture('sns-alarm-notification.json'))).status).toBe(200);
    await h.settle();
    expect((await h.api<IncidentList>('/api/incidents')).incidents).toHaveLength(1);
    expect(await auditOf(h, 'incident=INC-1&kind=alert.received')).toHaveLength(1);
  });

  it('notes INSUFFICIENT_DATA on the open incident without resolving or re-firing it', async () => {
    const res = await postSns(h, cloudwatchFixture('sns-insufficient-data-notification.json'));
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ accepted: 0, state: 'INSUFFICIENT_DATA', incidents: ['INC-1'] });
    await h.settle();
    const notes = await auditOf(h, 'incident=INC-1&kind=alert.insufficient_data');
    expect(notes).toHaveLength(1);
    expect(notes[0]).toMatchObject({ alertname: 'StatusCheckFailed_Instance', details: { state: 'INSUFFICIENT_DATA', changedAt: '2025-05-14T12:06:05.000Z' } });
    const { incident } = await h.api<{ incident: Incident }>('/api/incidents/INC-1');
    expect(incident.status).toBe('open');
    expect(Object.values(incident.alerts).map((a) => a.status)).toEqual(['firing']);
  });

  it('resolves the incident on OK', async () => {
    const res = await postSns(h, cloudwatchFixture('sns-ok-notification.json'));
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ accepted: 1, incidents: ['INC-1'] });
    await h.settle();
    const { incident } = await h.api<{ incident: Incident }>('/api/incidents/INC-1');
    expect(incident.status).toBe('resolved');
  });

  it('opens no incident for INSUFFICIENT_DATA on an alarm without an open one', async () => {
    const res = await postSns(h, signedAlarmFor('disk-io-stalled', 'sns-insufficient-data-notification.json'));
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ accepted: 0, state: 'INSUFFICIENT_DATA', incidents: [] });
    expect((await h.api<IncidentList>('/api/incidents')).incidents.map((i) => i.id)).toEqual(['INC-1']);
  });

  it('opens one incident per alarm', async () => {
    const res = await postSns(h, signedAlarmFor('api-latency-high'));
    expect(await res.json()).toEqual({ accepted: 1, incidents: ['INC-2'] });
    await h.settle();
  });

  it('refuses a signed notification whose Message is not a CloudWatch alarm, naming the field', async () => {
    const res = await postSns(h, signSnsMessage({ ...cloudwatchFixture('sns-alarm-notification.json'), Message: 'hello from a human' }));
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ field: 'Message' });
  });

  it('refuses a body that is neither SNS nor EventBridge, naming what it expects', async () => {
    const res = await h.postAlert('/alerts/cloudwatch', { alarm: 'x' });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: string }).error).toContain('CloudWatch Alarm State Change');
  });

  it('requires the alert webhook token like every /alerts route', async () => {
    const res = await fetch(`${h.bot.url}/alerts/cloudwatch`, { method: 'POST', headers: { 'x-amz-sns-message-type': 'Notification' }, body: JSON.stringify(cloudwatchFixture('sns-alarm-notification.json')) });
    expect(res.status).toBe(401);
  });
});

describe('SNS subscription confirmation', () => {
  let h: Harness;
  let sns: FakeSnsEndpoints;

  beforeAll(async () => {
    sns = createFakeSnsEndpoints();
    h = await startHarness({}, { fetch: sns.fetch });
  });
  afterAll(async () => h.close());

  it('confirms a verified SubscriptionConfirmation by visiting its SubscribeURL, and audits it', async () => {
    const confirmation = cloudwatchFixture('sns-subscription-confirmation.json');
    const res = await postSns(h, confirmation);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ confirmed: true, topicArn: 'arn:aws:sns:eu-west-1:123456789012:chatops-alarms' });
    expect(sns.subscribeVisits()).toEqual([confirmation.SubscribeURL]);
    const records = await auditOf(h, 'incident=CONTROLS&kind=sns.subscription_confirmed');
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({ operator: 'automated', targetResource: 'arn:aws:sns:eu-west-1:123456789012:chatops-alarms', details: { subscriptionArn: expect.stringMatching(/^arn:aws:sns:/) as unknown } });
  });

  it('does not visit it again when SNS redelivers the same confirmation', async () => {
    const res = await postSns(h, cloudwatchFixture('sns-subscription-confirmation.json'));
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ confirmed: true, alreadyConfirmed: true });
    expect(sns.subscribeVisits()).toHaveLength(1);
    expect(await auditOf(h, 'incident=CONTROLS&kind=sns.subscription_confirmed')).toHaveLength(1);
  });

  it('answers 502 when SNS refuses the confirmation, so SNS redelivers it, and confirms on the redelivery', async () => {
    const topic = 'arn:aws:sns:eu-west-1:123456789012:chatops-alarms';
    const confirmation = signSnsMessage({
      ...cloudwatchFixture('sns-subscription-confirmation.json'),
      MessageId: 'second-subscription',
      Token: 'a-new-token',
      SubscribeURL: `https://sns.eu-west-1.amazonaws.com/?Action=ConfirmSubscription&TopicArn=${topic}&Token=a-new-token`,
    });
    sns.failNextSubscribes(1);
    expect((await postSns(h, confirmation)).status).toBe(502);
    expect((await postSns(h, confirmation)).status).toBe(200);
    expect((await postSns(h, confirmation)).status).toBe(200);
    expect(sns.subscribeVisits().filter((u) => u === confirmation.SubscribeURL)).toHaveLength(2);
    expect(await auditOf(h, 'incident=CONTROLS&kind=sns.subscription_confirmed')).toHaveLength(2);
  });

  it('refuses a confirmation with a forged Token without visiting anything', async () => {
    const before = sns.requests.length;
    const forged = { ...cloudwatchFixture('sns-subscription-confirmation.json'), Token: 'forged' };
    expect((await postSns(h, forged)).status).toBe(401);
    expect(sns.requests.slice(before).filter((u) => !u.endsWith('.pem'))).toEqual([]);
  });

  it('records an UnsubscribeConfirmation without visiting its SubscribeURL (that would resubscribe)', async () => {
    const before = sns.subscribeVisits().length;
    const unsubscribe = signSnsMessage({ ...cloudwatchFixture('sns-subscription-confirmation.json'), Type: 'UnsubscribeConfirmation', MessageId: 'unsub-1', Message: 'You have chosen to deactivate subscription …' });
    const res = await postSns(h, unsubscribe);
    expect(res.status).toBe(200);
    expect(sns.subscribeVisits()).toHaveLength(before);
    expect(await auditOf(h, 'incident=CONTROLS&kind=sns.unsubscribed')).toHaveLength(1);
  });

  it('never writes the confirmation token to the logs or the audit trail', async () => {
    const token = String(cloudwatchFixture('sns-subscription-confirmation.json').Token);
    expect(h.logs.join('')).not.toContain(token);
    expect(JSON.stringify(await auditOf(h, ''))).not.toContain(token);
  });
});

describe('CloudWatch alarms through EventBridge', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness({}, { fetch: createFakeSnsEndpoints().fetch });
  });
  afterAll(async () => h.close());

  it('opens an incident for an ALARM event', async () => {
    const res = await h.postAlert('/alerts/cloudwatch', cloudwatchFixture('eventbridge-alarm.json'));
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ accepted: 1, incidents: ['INC-1'] });
    await h.settle();
    const { incident } = await h.api<{ incident: Incident }>('/api/incidents/INC-1');
    expect(incident).toMatchObject({ source: 'cloudwatch', status: 'open', service: 'checkout-api', groupKey: 'cloudwatch:arn:aws:cloudwatch:us-east-1:123456789012:alarm:checkout-api-cpu-high' });
  });

  it('resolves it on the OK event', async () => {
    const res = await h.postAlert('/alerts/cloudwatch', cloudwatchFixture('eventbridge-ok.json'));
    expect(await res.json()).toEqual({ accepted: 1, incidents: ['INC-1'] });
    await h.settle();
    const { incident } = await h.api<{ incident: Incident }>('/api/incidents/INC-1');
    expect(incident.status).toBe('resolved');
    const kinds = (await auditOf(h, 'incident=INC-1')).map((r) => r.kind);
    expect(kinds).toEqual(expect.arrayContaining(['alert.received', 'incident.opened', 'incident.resolved']));
  });

  it('refuses an event of another detail-type, naming the field', async () => {
    const res = await h.postAlert('/alerts/cloudwatch', { ...cloudwatchFixture('eventbridge-alarm.json'), 'detail-type': 'CloudWatch Alarm Configuration Change' });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ field: 'detail-type' });
  });
});
