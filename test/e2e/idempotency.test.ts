import { readFile } from 'node:fs/promises';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { AuditRecord } from '../../src/core/audit.js';
import type { Incident } from '../../src/core/incident.js';
import type { Proposal } from '../../src/core/proposal.js';
import { USERS, startHarness } from './harness.js';
import type { Harness } from './harness.js';
import { startSharedStore } from './shared-store.js';
import type { SharedStore } from './shared-store.js';

const fixture = async (name: string) => JSON.parse(await readFile(`test/fixtures/alertmanager/${name}`, 'utf8')) as unknown;

type IncidentList = { incidents: (Incident & { proposals: Proposal[] })[] };

const ACTION_DOCUMENT = 'ChatOps-EC2StopStartInstance';
const actionStarts = (h: Harness) => h.ssm.callsTo('StartAutomationExecution').filter((c) => c.input.DocumentName === ACTION_DOCUMENT);
const actionExecutions = (h: Harness) => h.ssm.executions.filter((e) => e.documentName === ACTION_DOCUMENT);

async function audit(h: Harness, query: string): Promise<AuditRecord[]> {
  return (await h.api<{ records: AuditRecord[] }>(`/api/audit?${query}`)).records;
}

/** Posts ec2-firing.json (medium risk) and returns its pending proposal. */
async function pendingProposal(h: Harness): Promise<Proposal> {
  expect((await h.postAlert('/alerts/alertmanager', await fixture('ec2-firing.json'))).status).toBe(200);
  await h.settle();
  const { incidents } = await h.api<IncidentList>('/api/incidents');
  const proposal = incidents[0]!.proposals[0]!;
  expect(proposal.status).toBe('pending_approval');
  return proposal;
}

describe('the same Alertmanager webhook delivered twice', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness();
  });
  afterEach(async () => h.close());

  async function expectOneIncident(): Promise<void> {
    const { incidents } = await h.api<IncidentList>('/api/incidents');
    expect(incidents.map((i) => i.id)).toEqual(['INC-1']);
    expect(incidents[0]?.proposals).toHaveLength(1);
    expect(await audit(h, 'kind=alert.received')).toHaveLength(1);
    expect(await audit(h, 'kind=incident.opened')).toHaveLength(1);
    expect(await audit(h, 'kind=proposal.created')).toHaveLength(1);
    expect(h.ssm.callsTo('StartAutomationExecution').map((c) => c.input.DocumentName)).toEqual(['ChatOps-CollectDiagnostics-EC2']);
    expect(h.slack.accepted('chat.postMessage').filter((c) => c.args.thread_ts === undefined)).toHaveLength(1);
  }

  it('one after the other leaves one incident, one alert record and one proposal', async () => {
    const body = await fixture('ec2-firing.json');
    const first = await h.postAlert('/alerts/alertmanager', body);
    await h.settle();
    const second = await h.postAlert('/alerts/alertmanager', body);
    await h.settle();
    expect([first.status, second.status]).toEqual([200, 200]);
    expect(await second.json()).toMatchObject({ accepted: 1, incidents: ['INC-1'] });
    await expectOneIncident();
  });

  it('at the same moment (two Alertmanager replicas) still leaves one incident', async () => {
    const body = await fixture('ec2-firing.json');
    const answers = await Promise.all([h.postAlert('/alerts/alertmanager', body), h.postAlert('/alerts/alertmanager', body)]);
    expect(answers.map((r) => r.status)).toEqual([200, 200]);
    const bodies = (await Promise.all(answers.map((r) => r.json()))) as { incidents: string[] }[];
    expect(bodies.map((b) => b.incidents)).toEqual([['INC-1'], ['INC-1']]);
    await h.settle();
    await expectOneIncident();
  });
});

describe('Approve clicked twice', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness();
  });
  afterEach(async () => h.close());

  it('by the same person at the same moment starts exactly one execution', async () => {
    const proposal = await pendingProposal(h);
    const answers = await Promise.all([h.click('approve_proposal', proposal.id, USERS.operator), h.click('approve_proposal', proposal.id, USERS.operator)]);
    expect(answers.map((r) => r.status)).toEqual([200, 200]);
    await h.settle();
    expect(actionStarts(h)).toHaveLength(1);
    expect(actionExecutions(h)).toHaveLength(1);
    expect(await audit(h, 'incident=INC-1&kind=approval.granted')).toHaveLength(1);
    expect(await audit(h, 'incident=INC-1&kind=action.started')).toHaveLength(1);
  });

  it('eighteen times at once by the same person: one execution, and each click that found nothing to do is audited', async () => {
    const proposal = await pendingProposal(h);
    const answers = await Promise.all(Array.from({ length: 18 }, () => h.click('approve_proposal', proposal.id, USERS.operator)));
    expect(answers.every((r) => r.status === 200)).toBe(true);
    await h.settle();
    expect(actionExecutions(h)).toHaveLength(1);
    expect(await audit(h, 'incident=INC-1&kind=approval.granted')).toHaveLength(1);
    const refused = await audit(h, 'incident=INC-1&kind=approval.refused');
    expect(refused).toHaveLength(17);
    expect(new Set(refused.map((r) => r.details?.code))).toEqual(new Set(['NOT_PENDING']));
  });

  it('by two allowed people at the same moment starts exactly one execution and records one approval', async () => {
    const proposal = await pendingProposal(h);
    await Promise.all([h.click('approve_proposal', proposal.id, USERS.operator), h.click('approve_proposal', proposal.id, USERS.sre)]);
    await h.settle();
    expect(actionStarts(h)).toHaveLength(1);
    expect(actionExecutions(h)).toHaveLength(1);
    expect(await audit(h, 'incident=INC-1&kind=approval.granted')).toHaveLength(1);
    const { proposals } = await h.api<{ proposals: Proposal[] }>('/api/incidents/INC-1');
    expect(proposals[0]).toMatchObject({ status: 'succeeded' });
    expect(proposals[0]?.approvals).toHaveLength(1);
    // Both people hear back; the one who lost the race is told it already happened.
    const replies = h.slack.accepted('response_url').map((c) => String(c.args.text));
    expect(replies).toHaveLength(2);
    expect(replies.filter((t) => /^Approved .*running/.test(t))).toHaveLength(1);
    expect(replies.filter((t) => /already/.test(t))).toHaveLength(1);
  });
});

describe('a Slack retry of an Approve click (X-Slack-Retry-Num)', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness();
  });
  afterEach(async () => h.close());

  const retryHeaders = { 'x-slack-retry-num': '1', 'x-slack-retry-reason': 'http_timeout' };

  it('after the click was handled starts nothing more', async () => {
    const proposal = await pendingProposal(h);
    expect((await h.click('approve_proposal', proposal.id, USERS.operator)).status).toBe(200);
    await h.settle();
    expect((await h.click('approve_proposal', proposal.id, USERS.operator, { headers: retryHeaders })).status).toBe(200);
    await h.settle();
    expect(actionStarts(h)).toHaveLength(1);
    expect(actionExecutions(h)).toHaveLength(1);
    expect(await audit(h, 'incident=INC-1&kind=approval.granted')).toHaveLength(1);
  });

  it('arriving while the first delivery is still being handled starts nothing more', async () => {
    const proposal = await pendingProposal(h);
    await Promise.all([
      h.click('approve_proposal', proposal.id, USERS.operator),
      h.click('approve_proposal', proposal.id, USERS.operator, { headers: retryHeaders }),
      h.click('approve_proposal', proposal.id, USERS.operator, { headers: { 'x-slack-retry-num': '2', 'x-slack-retry-reason': 'http_timeout' } }),
    ]);
    await h.settle();
    expect(actionStarts(h)).toHaveLength(1);
    expect(actionExecutions(h)).toHaveLength(1);
    expect(await audit(h, 'incident=INC-1&kind=approval.granted')).toHaveLength(1);
    expect(await audit(h, 'incident=INC-1&kind=action.started')).toHaveLength(1);
  });
});

describe('two bot replicas on one store', () => {
  let store: SharedStore;
  let a: Harness;
  let b: Harness;

  beforeAll(async () => {
    store = await startSharedStore();
    a = await startHarness(store.env);
    // Replica b talks to the same store, the same SSM and the same Slack as replica a.
    b = await startHarness({ ...store.env, AWS_ENDPOINT_URL_SSM: a.ssm.endpoint, SLACK_API_URL: a.slack.url });
  });
  afterAll(async () => {
    await b.close();
    await a.close();
    await store.close();
  });

  it('keep one incident, one alert record and one proposal when both receive the same webhook at the same moment', async () => {
    const body = await fixture('ec2-firing.json');
    const answers = await Promise.all([a.postAlert('/alerts/alertmanager', body), b.postAlert('/alerts/alertmanager', body)]);
    expect(answers.map((r) => r.status)).toEqual([200, 200]);
    await Promise.all([a.settle(), b.settle()]);
    const { incidents } = await a.api<IncidentList>('/api/incidents');
    expect(incidents.map((i) => i.id)).toEqual(['INC-1']);
    expect(incidents[0]?.proposals).toHaveLength(1);
    expect(await audit(a, 'kind=alert.received')).toHaveLength(1);
    expect(a.ssm.executions.map((e) => e.documentName)).toEqual(['ChatOps-CollectDiagnostics-EC2']);
    const roots = a.slack.callsTo('chat.postMessage').filter((c) => c.ok && c.args.thread_ts === undefined);
    expect(roots, 'one root message for the incident, whichever replica posted it').toHaveLength(1);
  });

  it('start exactly one execution when two people click Approve, each click reaching a different replica', async () => {
    const { incidents } = await a.api<IncidentList>('/api/incidents');
    const proposal = incidents[0]!.proposals[0]!;
    expect(proposal.status).toBe('pending_approval');
    await Promise.all([a.click('approve_proposal', proposal.id, USERS.operator), b.click('approve_proposal', proposal.id, USERS.sre)]);
    await Promise.all([a.settle(), b.settle()]);
    expect(actionStarts(a)).toHaveLength(1);
    expect(actionExecutions(a)).toHaveLength(1);
    expect(await audit(a, 'incident=INC-1&kind=approval.granted')).toHaveLength(1);
    expect(await audit(a, 'incident=INC-1&kind=action.started')).toHaveLength(1);
    const verify = await a.api<{ intact: boolean }>('/api/audit/verify?incident=INC-1');
    expect(verify.intact).toBe(true);
  });

  it('number the incidents of groups both receive at once without gaps: a replica that loses a group gives its number back or keeps it for the next', async () => {
    const ecs = await fixture('ecs-firing.json') as { groupKey: string; alerts: { fingerprint: string; labels: Record<string, string> }[] };
    for (let i = 0; i < 10; i++) {
      const body = structuredClone(ecs);
      body.groupKey = `{}:{alertname="ECSServiceTasksBelowDesired",service="svc-${i}"}`;
      body.alerts[0]!.fingerprint = `svc-${i}`;
      body.alerts[0]!.labels.service = `svc-${i}`;
      const answers = await Promise.all([a.postAlert('/alerts/alertmanager', body), b.postAlert('/alerts/alertmanager', body)]);
      expect(answers.map((r) => r.status)).toEqual([200, 200]);
    }
    await Promise.all([a.settle(), b.settle()]);
    const ids = (await a.api<IncidentList>('/api/incidents')).incidents.map((i) => Number(i.id.slice(4))).sort((x, y) => x - y);
    // INC-1 is the test above's; the ten groups take the next ten numbers, none skipped.
    expect(ids).toEqual(Array.from({ length: 11 }, (_, i) => i + 1));
  });
});
