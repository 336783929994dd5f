import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { AuditRecord } from '../../src/core/audit.js';
import type { Incident } from '../../src/core/incident.js';
import type { StartOptions } from '../../src/main.js';
import { startFakePagerDuty } from '../fakes/fake-pagerduty.js';
import type { FakePagerDuty } from '../fakes/fake-pagerduty.js';
import { CHANNEL, SECRETS, USERS, startHarness } from './harness.js';
import type { Harness } from './harness.js';
import { startSharedStore } from './shared-store.js';

const PD = {
  PAGERDUTY_ROUTING_KEY: 'e93facc04764012d7bfb002500d5d1a6',
  PAGERDUTY_API_TOKEN: 'pd-e2e-api-token-u+2kAy9Rz',
};
const ECS_ACTION = 'ChatOps-ECSForceNewDeployment';
/** Slack users PagerDuty's on-call are matched to by email (Carol, level 3, has no Slack account). */
const SLACK_ONCALL = [
  { id: 'U0ANARUIZ', name: 'ana', profile: { email: 'ana.ruiz@example.com' } },
  { id: 'U0BENOKAF', name: 'ben', profile: { email: 'ben.okafor@example.com' } },
];

const fixture = async (name: string) => JSON.parse(await readFile(`test/fixtures/${name}`, 'utf8')) as unknown;

async function startWithPagerDuty(options: Partial<StartOptions> = {}, env: Record<string, string> = {}): Promise<{ h: Harness; pd: FakePagerDuty }> {
  const pd = await startFakePagerDuty({ apiToken: PD.PAGERDUTY_API_TOKEN, oncalls: await fixture('pagerduty/oncalls.json') });
  const h = await startHarness({ ...PD, PAGERDUTY_EVENTS_URL: pd.url, PAGERDUTY_API_URL: pd.url, ...env }, options);
  for (const user of SLACK_ONCALL) h.slack.setUser(user);
  return { h, pd };
}

async function auditOf(h: Harness, query: string): Promise<AuditRecord[]> {
  return (await h.api<{ records: AuditRecord[] }>(`/api/audit?${query}`)).records;
}

/** The incident's thread lines as Slack holds them now. */
function thread(h: Harness): string[] {
  return h.slack
    .messages(CHANNEL)
    .filter((m) => m.thread_ts)
    .map((m) => JSON.stringify(m.blocks));
}

/** Opens INC-1 from an ECS alert whose low-risk runbook runs at once and fails, so the bot pages. */
async function failingAutomation(h: Harness): Promise<Response> {
  h.ssm.script.setStatuses(ECS_ACTION, ['InProgress', 'Failed']);
  h.ssm.script.setFailureMessage(ECS_ACTION, 'Step ForceNewDeployment failed: service not stable');
  return h.postAlert('/alerts/alertmanager', await fixture('alertmanager/ecs-firing.json'));
}

const eventsOf = (pd: FakePagerDuty, dedupKey: string) => pd.accepted().filter((e) => e.body.dedup_key === dedupKey);

describe('PagerDuty follows an incident: failure → trigger, Slack ack → acknowledge, resolution → resolve', () => {
  let h: Harness;
  let pd: FakePagerDuty;

  beforeAll(async () => {
    ({ h, pd } = await startWithPagerDuty());
  });
  afterAll(async () => {
    await h.close();
    await pd.close();
  });

  it('sends one trigger with the incident id as dedup_key when the automation fails', async () => {
    expect((await failingAutomation(h)).status).toBe(200);
    await h.settle();
    const { proposals } = await h.api<{ proposals: { status: string; plan: { action: { document: string } } }[] }>('/api/incidents/INC-1');
    expect(proposals.find((p) => p.plan.action.document === ECS_ACTION)?.status).toBe('failed');
    const triggers = pd.accepted().filter((e) => e.body.event_action === 'trigger');
    expect(triggers).toHaveLength(1);
    expect(triggers[0]?.body).toMatchObject({
      routing_key: PD.PAGERDUTY_ROUTING_KEY,
      dedup_key: 'INC-1',
      client: 'chatops-bot',
      payload: { severity: 'warning', source: 'checkout-api', component: 'checkout-api', custom_details: { incident: 'INC-1', reason: 'automation_failed' } },
    });
    expect(triggers[0]?.body.payload.summary).toContain('automation failed');
    expect(Date.parse(triggers[0]?.body.payload.timestamp)).not.toBeNaN();
  });

  it('audits the escalation, says "paged" only once PagerDuty took it, and names who is on call in the thread', async () => {
    const [record] = await auditOf(h, 'incident=INC-1&kind=escalation.triggered');
    expect(record).toMatchObject({ outcome: 'SUCCESS', trigger: 'automation_failed', details: { page: { severity: 'warning' } } });
    expect(record?.details?.paged).toBeUndefined();
    const [paged] = await auditOf(h, 'incident=INC-1&kind=escalation.paged');
    expect(paged?.seq).toBeGreaterThan(record!.seq);
    expect(paged?.details).toMatchObject({ dedupKey: 'INC-1', attempts: 1 });
    expect(paged?.details?.onCall).toEqual([
      { name: 'Ana Ruiz', slackUserId: 'U0ANARUIZ', escalationLevel: 1, schedule: 'Platform Primary' },
      { name: 'Ben Okafor', slackUserId: 'U0BENOKAF', escalationLevel: 2, schedule: 'Platform Secondary' },
      { name: 'Carol <Ops> Lee', escalationLevel: 3 },
    ]);
    expect(thread(h).find((b) => b.includes('Paging the on-call in PagerDuty'))).toContain('automation failed');
    const line = thread(h).find((b) => b.includes('PagerDuty took the page'));
    expect(line).toContain('On call: <@U0ANARUIZ> (Ana Ruiz, level 1), <@U0BENOKAF> (Ben Okafor, level 2), Carol &lt;Ops&gt; Lee (level 3)');
    expect(pd.oncallRequests[0]).toMatchObject({ authorization: `Token token=${PD.PAGERDUTY_API_TOKEN}`, accept: 'application/vnd.pagerduty+json;version=2' });
  });

  it('sends an acknowledge after the trigger when someone clicks Acknowledge in Slack', async () => {
    expect((await h.click('ack_incident', 'INC-1', USERS.sre)).status).toBe(200);
    await h.settle();
    expect(eventsOf(pd, 'INC-1').map((e) => e.body.event_action)).toEqual(['trigger', 'acknowledge']);
    expect(eventsOf(pd, 'INC-1')[1]?.body).toEqual({ routing_key: PD.PAGERDUTY_ROUTING_KEY, event_action: 'acknowledge', dedup_key: 'INC-1', client: 'chatops-bot' });
  });

  it('sends a resolve, with the same routing key, when the alerts resolve', async () => {
    expect((await h.postAlert('/alerts/alertmanager', await fixture('alertmanager/ecs-resolved.json'))).status).toBe(200);
    await h.settle();
    const { incident } = await h.api<{ incident: Incident }>('/api/incidents/INC-1');
    expect(incident.status).toBe('resolved');
    const events = eventsOf(pd, 'INC-1');
    expect(events.map((e) => e.body.event_action)).toEqual(['trigger', 'acknowledge', 'resolve']);
    expect(new Set(events.map((e) => e.body.routing_key))).toEqual(new Set([PD.PAGERDUTY_ROUTING_KEY]));
    expect(await auditOf(h, 'incident=INC-1&kind=escalation.delivery_failed')).toEqual([]);
  });

  it('answers /oncall with who is on call, privately, from the PagerDuty response', async () => {
    const before = h.slack.callsTo('response_url').length;
    const ack = await h.command('/oncall', '', USERS.operator);
    expect(ack).toMatchObject({ response_type: 'ephemeral', text: expect.stringContaining('Asking PagerDuty') });
    await h.settle();
    const replies = h.slack.callsTo('response_url').slice(before);
    expect(replies).toHaveLength(1);
    expect(replies[0]?.args).toMatchObject({ channel: CHANNEL, user: USERS.operator });
    expect(String(replies[0]?.args.text).split('\n')).toEqual([
      '*On call now (PagerDuty)*',
      '*Platform Escalation Policy*',
      '• Level 1: <@U0ANARUIZ> (Ana Ruiz) · Platform Primary',
      '• Level 2: <@U0BENOKAF> (Ben Okafor) · Platform Secondary',
      '• Level 3: Carol &lt;Ops&gt; Lee',
    ]);
  });

  it('answers /oncall with arguments with its usage', async () => {
    expect(await h.command('/oncall', 'now please', USERS.operator)).toEqual({ response_type: 'ephemeral', text: expect.stringContaining('Usage: `/oncall`') });
  });

  it('shows the queue depth to Prometheus', async () => {
    const text = await (await fetch(`${h.bot.url}/metrics`, { headers: { authorization: `Bearer ${SECRETS.OPERATOR_TOKEN}` } })).text();
    expect(text).toMatch(/^chatops_pagerduty_queue_depth 0$/m);
    expect(text).toMatch(/^chatops_escalations_total\{what="trigger",outcome="delivered"\} 1$/m);
  });

  it('never writes the routing key or the API token to the logs, Slack or the audit trail', async () => {
    const records = await auditOf(h, 'n=1000');
    const haystacks = { logs: h.logs.join(''), slack: JSON.stringify(h.slack.calls.map((c) => c.args)), audit: JSON.stringify(records) };
    for (const [where, text] of Object.entries(haystacks)) {
      for (const secret of Object.values(PD)) expect(text.includes(secret), `${where} contains a PagerDuty secret`).toBe(false);
    }
  });
});

describe('an incident nobody was paged for', () => {
  it('sends PagerDuty no acknowledge and no resolve', async () => {
    const { h, pd } = await startWithPagerDuty();
    try {
      const ecs = (await fixture('alertmanager/ecs-firing.json')) as { status: string; alerts: { status: string; endsAt: string }[] };
      expect((await h.postAlert('/alerts/alertmanager', ecs)).status).toBe(200);
      await h.settle();
      await h.click('ack_incident', 'INC-1', USERS.sre);
      await h.settle();
      ecs.status = 'resolved';
      for (const a of ecs.alerts) Object.assign(a, { status: 'resolved', endsAt: new Date().toISOString() });
      expect((await h.postAlert('/alerts/alertmanager', ecs)).status).toBe(200);
      await h.settle();
      expect((await h.api<{ incident: { status: string; acknowledgedBy?: string } }>('/api/incidents/INC-1')).incident).toMatchObject({ status: 'resolved', acknowledgedBy: USERS.sre });
      expect(pd.events).toEqual([]);
    } finally {
      await h.close();
      await pd.close();
    }
  });
});

describe('the Escalate button on the root message', () => {
  let h: Harness;
  let pd: FakePagerDuty;

  beforeAll(async () => {
    ({ h, pd } = await startWithPagerDuty());
    // EC2 is medium risk: it waits for approval, so nothing pages on its own.
    expect((await h.postAlert('/alerts/alertmanager', await fixture('alertmanager/ec2-firing.json'))).status).toBe(200);
    await h.settle();
  });
  afterAll(async () => {
    await h.close();
    await pd.close();
  });

  it('is on the root message, with a confirmation, next to Acknowledge', () => {
    const root = h.slack.messages(CHANNEL).find((m) => !m.thread_ts);
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const buttons = (root?.blocks as any[]).filter((b) => b.type === 'actions').flatMap((b) => b.elements);
    expect(buttons.map((b) => b.action_id)).toEqual(['ack_incident', 'escalate_incident']);
    expect(buttons[1]).toMatchObject({ value: 'INC-1', confirm: { confirm: { text: 'Page' } } });
    expect(pd.events).toEqual([]);
  });

  it('refuses someone holding no authority, privately, pages nobody and audits the refusal', async () => {
    expect((await h.click('escalate_incident', 'INC-1', USERS.stranger)).status).toBe(200);
    await h.settle();
    expect(pd.events).toEqual([]);
    const reply = h.slack.callsTo('response_url').at(-1);
    expect(reply?.args).toMatchObject({ user: USERS.stranger, text: expect.stringMatching(/^Refused: .*holds no authority/) });
    const [refusal] = await auditOf(h, 'incident=INC-1&kind=escalation.refused');
    expect(refusal).toMatchObject({ operator: USERS.stranger, outcome: 'FAILURE', details: { code: 'NO_AUTHORITY' } });
    expect(thread(h).some((b) => b.includes(`Refused an escalation by <@${USERS.stranger}>`))).toBe(true);
  });

  it('pages for an authorised person; PagerDuty answering 429 then 202 delivers it once', async () => {
    pd.respondNext({ status: 429, headers: { 'retry-after': '1' } });
    expect((await h.click('escalate_incident', 'INC-1', USERS.sre)).status).toBe(200);
    await h.settle();
    expect(pd.events.map((e) => e.status)).toEqual([429, 202]);
    expect(pd.accepted()).toHaveLength(1);
    expect(pd.accepted()[0]?.body).toMatchObject({ event_action: 'trigger', dedup_key: 'INC-1', payload: { custom_details: { reason: 'manual' } } });
    const [record] = await auditOf(h, 'incident=INC-1&kind=escalation.triggered');
    expect(record).toMatchObject({ operator: USERS.sre, authority: 'ON_CALL_SRE', trigger: 'manual', outcome: 'SUCCESS' });
    expect(await auditOf(h, 'incident=INC-1&kind=escalation.delivery_failed')).toEqual([]);
    expect(h.slack.callsTo('response_url').at(-1)?.args).toMatchObject({ user: USERS.sre, text: expect.stringContaining('Paging the on-call for INC-1') });
    expect(thread(h).some((b) => b.includes(`Paging the on-call in PagerDuty by <@${USERS.sre}> (ON_CALL_SRE)`))).toBe(true);
    expect(thread(h).some((b) => b.includes('PagerDuty took the page') && b.includes('<@U0ANARUIZ>'))).toBe(true);
  });

  it('pages once per incident and reason: five more clicks, by two people, page nobody again and say so', async () => {
    const before = pd.accepted().length;
    for (const user of [USERS.sre, USERS.operator, USERS.sre, USERS.operator, USERS.emergency]) expect((await h.click('escalate_incident', 'INC-1', user)).status).toBe(200);
    await h.settle();
    expect(pd.accepted()).toHaveLength(before);
    expect(await auditOf(h, 'incident=INC-1&kind=escalation.triggered')).toHaveLength(1);
    expect(h.slack.responses(USERS.operator).at(-1)?.args.text).toMatch(/^Already escalated: the on-call was paged for INC-1/);
  });

  it('refuses a replayed Escalate click (the same signed request again) with 401, and pages nobody', async () => {
    const { body, headers } = h.signedClick('escalate_incident', 'INC-1', USERS.sre);
    const post = () => fetch(`${h.bot.url}/slack/events`, { method: 'POST', headers, body });
    expect((await post()).status).toBe(200);
    const replayed = await post();
    expect(replayed.status).toBe(401);
    expect(((await replayed.json()) as { error: string }).error).toMatch(/^replayed request/);
    await h.settle();
    expect(pd.accepted()).toHaveLength(1);
  });
});

describe('PagerDuty down', () => {
  let h: Harness;
  let pd: FakePagerDuty;

  beforeAll(async () => {
    // Pages not taken within 1.5 s are given up on (production: an hour), so the test sees the end.
    ({ h, pd } = await startWithPagerDuty({ delivery: { pagerdutyGiveUpAfterMs: 1500, pagerdutyBackoff: { baseMs: 50, maxMs: 200, rateLimitedMs: 50 } } }));
    await pd.down();
  });
  afterAll(async () => {
    await h.close();
    await pd.close();
  });

  it('does not hold up ingestion or Slack acks, never says "paged", and audits the page it gave up on', async () => {
    expect((await failingAutomation(h)).status).toBe(200);
    await vi.waitFor(async () => expect(await auditOf(h, 'incident=INC-1&kind=escalation.triggered')).toHaveLength(1), { timeout: 10_000, interval: 20 });

    // The page is being retried; alerts and Slack get their answers all the same.
    const alert = await h.postAlert('/alerts/alertmanager', await fixture('alertmanager/ec2-firing.json'));
    expect(alert.status).toBe(200);
    expect(await alert.json()).toMatchObject({ accepted: 1, incidents: ['INC-2'] });
    expect((await h.click('ack_incident', 'INC-1', USERS.sre)).status).toBe(200);
    await h.slack.waitFor((calls) => calls.some((c) => c.method === 'response_url' && String(c.args.text).includes('INC-1 acknowledged')));
    expect(await auditOf(h, 'incident=INC-1&kind=escalation.delivery_failed')).toEqual([]);
    const metrics = await (await fetch(`${h.bot.url}/metrics`)).text();
    expect(metrics).toMatch(/^chatops_pagerduty_queue_depth 1$/m);

    await h.settle();
    expect(await auditOf(h, 'incident=INC-1&kind=escalation.paged')).toEqual([]);
    const failed = await auditOf(h, 'incident=INC-1&kind=escalation.delivery_failed');
    // The acknowledge would follow a page PagerDuty never took: nothing to acknowledge there.
    expect(failed.map((r) => r.details?.action)).toEqual(['trigger']);
    expect(failed[0]).toMatchObject({ outcome: 'FAILURE', trigger: 'pagerduty', details: { error: expect.stringContaining('PagerDuty unreachable') } });
    expect(Number(failed[0]?.details?.attempts)).toBeGreaterThan(1);
    expect(thread(h).some((b) => b.includes('PagerDuty did not take the *trigger* after') && b.includes('reach the on-call directly'))).toBe(true);
    const { incident } = await h.api<{ incident: Incident }>('/api/incidents/INC-1');
    expect(incident.status).not.toBe('open');
  });
});

describe('PagerDuty down when the bot shuts down', () => {
  it('keeps the page in the store and sends it, once, when the bot is back', async () => {
    // A store of the test's own, shared by the bot before and after the restart.
    const store = await startSharedStore();
    const pd = await startFakePagerDuty({ apiToken: PD.PAGERDUTY_API_TOKEN, oncalls: await fixture('pagerduty/oncalls.json') });
    const env = { ...PD, PAGERDUTY_EVENTS_URL: pd.url, PAGERDUTY_API_URL: pd.url, ...store.env };
    try {
      const first = await startHarness(env, { shutdownGraceMs: 300 });
      try {
        await pd.down();
        expect((await failingAutomation(first)).status).toBe(200);
        await vi.waitFor(async () => expect(await auditOf(first, 'incident=INC-1&kind=escalation.triggered')).toHaveLength(1), { timeout: 10_000, interval: 20 });
      } finally {
        await first.close();
      }
      await pd.up();
      const second = await startHarness(env);
      try {
        await second.settle();
        await vi.waitFor(() => expect(eventsOf(pd, 'INC-1').map((e) => e.body.event_action)).toEqual(['trigger']), { timeout: 10_000, interval: 20 });
        expect(await auditOf(second, 'incident=INC-1&kind=escalation.paged')).toHaveLength(1);
        expect(await auditOf(second, 'incident=INC-1&kind=escalation.delivery_failed')).toEqual([]);
      } finally {
        await second.close();
      }
    } finally {
      await pd.close();
      await store.close();
    }
  });
});

describe('/oncall without PagerDuty', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => h.close());

  it('says PagerDuty is not configured, and which variable to set', async () => {
    const ack = await h.command('/oncall', '', USERS.sre);
    expect(ack).toEqual({ response_type: 'ephemeral', text: expect.stringContaining('PagerDuty is not configured: set PAGERDUTY_API_TOKEN') });
  });

  it('records a pressed Escalate in the thread and tells the clicker nobody was paged', async () => {
    expect((await h.postAlert('/alerts/alertmanager', await fixture('alertmanager/ec2-firing.json'))).status).toBe(200);
    await h.settle();
    expect((await h.click('escalate_incident', 'INC-1', USERS.operator)).status).toBe(200);
    await h.settle();
    expect(h.slack.callsTo('response_url').at(-1)?.args.text).toContain('Not paged: PagerDuty is not configured');
    const [record] = await auditOf(h, 'incident=INC-1&kind=escalation.triggered');
    expect(record).toMatchObject({ outcome: 'SKIPPED', operator: USERS.operator, details: { paged: false } });
  });
});
