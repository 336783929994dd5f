import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditRecord } from '../../src/core/audit.js';
import type { Incident } from '../../src/core/incident.js';
import type { Proposal } from '../../src/core/proposal.js';
import { CHANNEL, SECRETS, USERS, startHarness } from './harness.js';
import type { Harness } from './harness.js';

const readFixture = (path: string) => readFile(`test/fixtures/${path}`, 'utf8');
const fixture = async (path: string) => JSON.parse(await readFixture(path)) as Record<string, unknown>;

type IncidentList = { incidents: (Incident & { proposals: Proposal[] })[] };

/** An address outside this host: only a token lets it in. */
const REMOTE = '203.0.113.9';

/** What the bot holds and has done, to compare before and after a bad request. */
async function snapshot(h: Harness) {
  await h.settle();
  return {
    incidents: await h.api<IncidentList>('/api/incidents'),
    audit: (await h.api<{ records: AuditRecord[] }>('/api/audit?n=1000')).records.length,
    ssmCalls: h.ssm.calls.length,
  };
}

function postRaw(h: Harness, route: string, body: string, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${h.bot.url}${route}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
}

describe('bad input changes nothing and says why', () => {
  let h: Harness;
  let proposal: Proposal;
  let before: Awaited<ReturnType<typeof snapshot>>;

  beforeAll(async () => {
    // Every caller looks remote here, so the alert webhook token is what lets a sender in.
    h = await startHarness({}, { remoteAddress: () => REMOTE });
    expect((await h.postAlert('/alerts/alertmanager', await fixture('alertmanager/ec2-firing.json'))).status).toBe(200);
    await h.settle();
    const { incidents } = await h.api<IncidentList>('/api/incidents');
    proposal = incidents[0]!.proposals[0]!;
    expect(proposal.status).toBe('pending_approval');
    before = await snapshot(h);
  });
  afterAll(async () => h.close());

  async function expectNothingChanged(): Promise<void> {
    expect(await snapshot(h)).toEqual(before);
  }

  describe('an alert payload that is not usable answers 400 naming the field', () => {
    it.each([
      ['body that is not JSON', 'alerts/alertmanager', async () => readFixture('alertmanager/not-json.txt'), 'body'],
      ['an Alertmanager payload without alerts', 'alerts/alertmanager', async () => readFixture('alertmanager/malformed-missing-alerts.json'), 'alerts'],
      ['an Alertmanager payload of version 3', 'alerts/alertmanager', async () => readFixture('alertmanager/malformed-wrong-version.json'), 'version'],
      ['an alert whose status is neither firing nor resolved', 'alerts/alertmanager', async () => readFixture('alertmanager/malformed-bad-status.json'), 'alerts.1.status'],
      [
        'alerts given as a string',
        'alerts/alertmanager',
        async () => JSON.stringify({ ...(await fixture('alertmanager/ec2-firing.json')), alerts: 'EC2InstanceStatusCheckFailed' }),
        'alerts',
      ],
      ['a generic alert without a name', 'alerts/generic', async () => readFixture('generic/missing-name.json'), 'name'],
    ])('%s', async (_what, route, body, field) => {
      const res = await h.postAlert(`/${route}`, await body());
      expect(res.status).toBe(400);
      const answer = (await res.json()) as { error: string; field: string };
      expect(answer.field).toBe(field);
      expect(answer.error.startsWith(`${field}:`)).toBe(true);
      await expectNothingChanged();
    });
  });

  describe('an alert from a remote caller without the webhook token answers 401', () => {
    it.each([
      ['no Authorization header', {}],
      ['a wrong bearer token', { authorization: 'Bearer not-the-alert-token' }],
      ['the operator token instead of the webhook token', { authorization: `Bearer ${SECRETS.OPERATOR_TOKEN}` }],
    ])('%s', async (_what, headers: Record<string, string>) => {
      const res = await postRaw(h, '/alerts/alertmanager', await readFixture('alertmanager/ecs-firing.json'), headers);
      expect(res.status).toBe(401);
      // SNS only sends the basic-auth credentials of its subscription URL after this challenge.
      expect(res.headers.get('www-authenticate')).toMatch(/^Basic realm=/);
      expect(((await res.json()) as { error: string }).error).toContain('ALERT_WEBHOOK_TOKEN');
      await expectNothingChanged();
    });

    it('accepts the token as a basic-auth password, as SNS and Alertmanager send it', async () => {
      const basic = `Basic ${Buffer.from(`sns:${SECRETS.ALERT_WEBHOOK_TOKEN}`).toString('base64')}`;
      const probe = JSON.stringify({ name: 'BasicAuthProbe', severity: 'info', service: 'probe', summary: 'basic auth works', status: 'resolved' });
      const res = await postRaw(h, '/alerts/generic', probe, { authorization: basic });
      expect(res.status).toBe(200);
    });
  });

  describe('a Slack request that Slack did not sign just now answers 401', () => {
    it('refuses an Approve click signed with another secret', async () => {
      const res = await h.click('approve_proposal', proposal.id, USERS.operator, { secret: 'not-the-signing-secret' });
      expect(res.status).toBe(401);
      expect(await res.text()).toContain('signature');
      await expectNothingChanged();
      expect(h.slack.callsTo('response_url')).toHaveLength(0);
    });

    it('refuses a correctly signed Approve click whose timestamp is more than 5 minutes old (a replay)', async () => {
      const res = await h.click('approve_proposal', proposal.id, USERS.operator, { timestampSeconds: Math.floor(Date.now() / 1000) - 6 * 60 });
      expect(res.status).toBe(401);
      expect(await res.text()).toContain('5 minutes');
      await expectNothingChanged();
      expect(h.slack.callsTo('response_url')).toHaveLength(0);
    });
  });

  describe('a click by someone the policy does not allow', () => {
    it.each([
      ['approve_proposal', 'approval.refused'],
      ['reject_proposal', 'rejection.refused'],
      ['dry_run_proposal', 'dry_run.refused'],
    ])('%s is refused with an ephemeral message and audited as %s', async (actionId, kind) => {
      const ephemeralsBefore = h.slack.callsTo('response_url').length;
      expect((await h.click(actionId, proposal.id, USERS.stranger)).status).toBe(200);
      await h.settle();

      const ephemerals = h.slack.accepted('response_url').slice(ephemeralsBefore);
      expect(ephemerals).toHaveLength(1);
      expect(ephemerals[0]?.args).toMatchObject({ channel: CHANNEL, user: USERS.stranger });
      expect(String(ephemerals[0]?.args.text)).toMatch(/^Refused: /);

      const { records } = await h.api<{ records: AuditRecord[] }>(`/api/audit?incident=INC-1&kind=${kind}`);
      expect(records).toHaveLength(1);
      expect(records[0]).toMatchObject({ operator: USERS.stranger, outcome: 'FAILURE', runbook: 'ec2-stop-start-instance', targetResource: 'ec2:i-0abc123def4567890' });

      const after = await snapshot(h);
      expect(after.incidents).toEqual(before.incidents);
      expect(after.ssmCalls).toBe(before.ssmCalls);
      expect(h.ssm.callsTo('StartAutomationExecution').map((c) => c.input.DocumentName)).toEqual(['ChatOps-CollectDiagnostics-EC2']);
    });
  });

  describe('an alert whose rendered parameter fails its pattern', () => {
    let thread: string[];
    beforeAll(async () => {
      const ssmCalls = h.ssm.calls.length;
      const res = await h.postAlert('/alerts/alertmanager', await fixture('alertmanager/bad-param.json'));
      // The alert itself is fine and is kept: it is the runbook that cannot be used with it.
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({ incidents: ['INC-2'] });
      await h.settle();
      expect(h.ssm.calls.length).toBe(ssmCalls);
      const root = h.slack.messages(CHANNEL).find((m) => !m.thread_ts && JSON.stringify(m.blocks).includes('INC-2'));
      thread = h.slack.messages(CHANNEL).filter((m) => m.thread_ts === root?.ts).map((m) => JSON.stringify(m.blocks));
    });

    it('proposes nothing and runs nothing, not even diagnostics', async () => {
      const { proposals } = await h.api<{ proposals: Proposal[] }>('/api/incidents/INC-2');
      expect(proposals).toEqual([]);
      expect(h.ssm.callsTo('StartAutomationExecution').map((c) => c.input.DocumentName)).toEqual(['ChatOps-CollectDiagnostics-EC2']);
    });

    it('audits the refusal naming the parameter', async () => {
      const { records } = await h.api<{ records: AuditRecord[] }>('/api/audit?incident=INC-2&kind=proposal.invalid');
      expect(records).toHaveLength(1);
      expect(records[0]).toMatchObject({ runbook: 'ecs-force-new-deployment', outcome: 'FAILURE', details: { parameter: 'Cluster' } });
    });

    it('says in the thread which parameter was refused', () => {
      const line = thread.find((b) => b.includes('proposal.invalid'));
      expect(line).toBeDefined();
      expect(line).toContain('parameter Cluster');
      expect(line).toContain('ecs-force-new-deployment');
      expect(thread.some((b) => b.includes('approve_proposal'))).toBe(false);
    });
  });
});

describe('with no ALERT_WEBHOOK_TOKEN configured', () => {
  let h: Harness;
  let remote = REMOTE;
  beforeAll(async () => {
    // An empty value counts as unset.
    h = await startHarness({ ALERT_WEBHOOK_TOKEN: '' }, { remoteAddress: () => remote });
  });
  afterAll(async () => h.close());

  it('refuses a remote caller with 401, saying which variable to set, and stores nothing', async () => {
    remote = REMOTE;
    const res = await postRaw(h, '/alerts/alertmanager', await readFixture('alertmanager/ec2-firing.json'));
    expect(res.status).toBe(401);
    expect(((await res.json()) as { error: string }).error).toContain('ALERT_WEBHOOK_TOKEN');
    await h.settle();
    expect((await h.api<IncidentList>('/api/incidents')).incidents).toEqual([]);
    expect(h.ssm.calls).toEqual([]);
  });

  it('accepts the same alert from a loopback caller', async () => {
    remote = '127.0.0.1';
    const res = await postRaw(h, '/alerts/alertmanager', await readFixture('alertmanager/ec2-firing.json'));
    expect(res.status).toBe(200);
    await h.settle();
    expect((await h.api<IncidentList>('/api/incidents')).incidents.map((i) => i.id)).toEqual(['INC-1']);
  });
});
