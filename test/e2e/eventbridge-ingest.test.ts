import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditRecord } from '../../src/core/audit.js';
import type { Incident } from '../../src/core/incident.js';
import type { Proposal } from '../../src/core/proposal.js';
import { SECRETS, startHarness } from './harness.js';
import type { Harness } from './harness.js';

type IncidentList = { incidents: (Incident & { proposals: Proposal[] })[] };

const fixture = async (name: string) => JSON.parse(await readFile(`test/fixtures/${name}`, 'utf8')) as Record<string, unknown>;

/** POST as an EventBridge API destination does: the event as the body, the connection's API-key header. */
function postEvent(h: Harness, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return h.postAlert('/alerts/eventbridge', body, headers);
}

async function incidents(h: Harness): Promise<IncidentList['incidents']> {
  return (await h.api<IncidentList>('/api/incidents')).incidents;
}

describe('POST /alerts/eventbridge', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ DRY_RUN: 'true' });
  });
  afterAll(async () => h.close());

  it('refuses a caller without the webhook token and stores nothing', async () => {
    const res = await fetch(`${h.bot.url}/alerts/eventbridge`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer not-the-token' },
      body: JSON.stringify(await fixture('eventbridge/guardduty-iam-user-high.json')),
    });
    expect(res.status).toBe(401);
    expect(((await res.json()) as { error: string }).error).toContain('ALERT_WEBHOOK_TOKEN');
    expect(await incidents(h)).toEqual([]);
  });

  it.each([
    ['malformed-no-detail.json', 'detail'],
    ['malformed-bad-account.json', 'account'],
    ['malformed-guardduty-severity-text.json', 'detail.severity'],
  ])('answers 400 naming the field for %s, and stores nothing', async (file, field) => {
    const res = await postEvent(h, await fixture(`eventbridge/${file}`));
    expect(res.status).toBe(400);
    const answer = (await res.json()) as { error: string; field: string };
    expect(answer.field).toBe(field);
    expect(answer.error.startsWith(`${field}:`)).toBe(true);
    expect(await incidents(h)).toEqual([]);
  });

  it('answers 400 for a body that is not JSON', async () => {
    const res = await postEvent(h, '{"detail-type": ');
    expect(res.status).toBe(400);
  });

  it('answers 200 with accepted 0 and the reason for an event that changed nothing', async () => {
    const res = await postEvent(h, await fixture('eventbridge/cloudtrail-stop-logging-denied.json'));
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ accepted: 0, ignored: expect.stringMatching(/AccessDenied/), incidents: [] });
    expect(await incidents(h)).toEqual([]);
  });

  it('opens one incident for a GuardDuty finding, and a redelivery or a repeat joins it', async () => {
    const event = await fixture('eventbridge/guardduty-iam-user-high.json');
    const first = await postEvent(h, event);
    expect(first.status).toBe(200);
    expect(await first.json()).toEqual({ accepted: 1, incidents: ['INC-1'] });
    const repeat = structuredClone(event) as { id: string; time: string; detail: { severity: number } };
    repeat.id = 'a-later-delivery';
    repeat.time = '2025-11-23T16:00:00Z';
    repeat.detail.severity = 8.6;
    expect(await (await postEvent(h, event)).json()).toMatchObject({ incidents: ['INC-1'] });
    expect(await (await postEvent(h, repeat)).json()).toMatchObject({ incidents: ['INC-1'] });
    await h.settle();
    const [incident] = await incidents(h);
    expect(incident).toMatchObject({ id: 'INC-1', source: 'eventbridge', severity: 'high', status: 'open' });
    expect(Object.values(incident!.alerts)).toHaveLength(1);
  });

  it('opens an incident for a Config non-compliance and resolves it when the rule reports COMPLIANT', async () => {
    const open = await postEvent(h, await fixture('eventbridge/config-restricted-ssh-noncompliant.json'));
    const { incidents: [id] } = (await open.json()) as { incidents: string[] };
    await h.settle();
    expect((await postEvent(h, await fixture('eventbridge/config-restricted-ssh-compliant.json'))).status).toBe(200);
    await h.settle();
    const incident = (await incidents(h)).find((i) => i.id === id);
    expect(incident).toMatchObject({ status: 'resolved' });
    const { records } = await h.api<{ records: AuditRecord[] }>(`/api/audit?incident=${id}&kind=incident.resolved`);
    expect(records).toHaveLength(1);
  });

  it('answers a CloudWatch alarm event sent here as /alerts/cloudwatch does', async () => {
    const res = await postEvent(h, await fixture('cloudwatch/eventbridge-alarm.json'));
    expect(res.status).toBe(200);
    const { incidents: [id] } = (await res.json()) as { incidents: string[] };
    await h.settle();
    expect((await incidents(h)).find((i) => i.id === id)).toMatchObject({ source: 'cloudwatch' });
  });

  it('still takes the same EventBridge alarm event on /alerts/cloudwatch', async () => {
    const res = await h.postAlert('/alerts/cloudwatch', await fixture('cloudwatch/eventbridge-alarm.json'));
    expect(res.status).toBe(200);
  });

  it('never writes a secret into the audit trail', async () => {
    const { records } = await h.api<{ records: AuditRecord[] }>('/api/audit?n=1000');
    expect(JSON.stringify(records)).not.toContain(SECRETS.ALERT_WEBHOOK_TOKEN);
  });
});
