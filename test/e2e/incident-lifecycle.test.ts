import { readFile } from 'node:fs/promises';
import { afterEach, describe, expect, it } from 'vitest';
import type { Incident } from '../../src/core/incident.js';
import type { Proposal } from '../../src/core/proposal.js';
import type { AuditRecord } from '../../src/core/audit.js';
import { CHANNEL, USERS, startHarness } from './harness.js';
import type { Harness } from './harness.js';
import { alertmanagerEpisodes } from './alertmanager-episodes.js';
import { testClock } from '../fakes/test-clock.js';
import type { AmPayload } from './alertmanager-episodes.js';

const load = async (name: string) => JSON.parse(await readFile(`test/fixtures/alertmanager/${name}`, 'utf8')) as AmPayload;

/** A clock the test moves; the bot's store, guards and Slack signature check all read it. */
function movableClock(start = Date.now()) {
  let now = start;
  return { now: () => new Date(now), advance: (ms: number) => (now += ms), seconds: () => Math.floor(now / 1000) };
}

const withStatus = alertmanagerEpisodes();

type List = { incidents: (Incident & { proposals: Proposal[] })[] };

describe('incident lifecycle', () => {
  let h: Harness | undefined;
  afterEach(async () => h?.close());

  it('reopens the same incident when an alert fires again within 10 minutes, and opens a new one after', async () => {
    const clock = testClock();
    h = await startHarness({ DRY_RUN: 'true' }, { clock });
    const ecs = await load('ecs-firing.json');
    const send = async (status: 'firing' | 'resolved') => expect((await h!.postAlert('/alerts/alertmanager', withStatus(ecs, status, clock.now()))).status).toBe(200);

    await send('firing');
    clock.advance(60_000);
    await send('resolved');
    await h.settle();
    expect((await h.api<{ incident: Incident }>('/api/incidents/INC-1')).incident.status).toBe('resolved');

    clock.advance(5 * 60_000);
    await send('firing');
    await h.settle();
    let { incidents } = await h.api<List>('/api/incidents');
    expect(incidents.map((i) => [i.id, i.status, i.round])).toEqual([['INC-1', 'open', 1]]);
    const reopened = await h.api<{ records: AuditRecord[] }>('/api/audit?incident=INC-1&kind=incident.reopened');
    expect(reopened.records).toHaveLength(1);

    clock.advance(60_000);
    await send('resolved');
    clock.advance(11 * 60_000);
    await send('firing');
    await h.settle();
    ({ incidents } = await h.api<List>('/api/incidents'));
    expect(incidents.map((i) => [i.id, i.status]).sort()).toEqual([
      ['INC-1', 'resolved'],
      ['INC-2', 'open'],
    ]);
  });

  it('posts a summary on resolution that names every action and approver, with time to acknowledge and remediate', async () => {
    const clock = movableClock();
    h = await startHarness({}, { clock });
    const ec2 = await load('ec2-firing.json');
    await h.postAlert('/alerts/alertmanager', withStatus(ec2, 'firing', clock.now()));
    await h.settle();
    const proposal = (await h.api<List>('/api/incidents')).incidents[0]!.proposals[0]!;

    clock.advance(90_000);
    expect((await h.click('ack_incident', 'INC-1', USERS.sre, { timestampSeconds: clock.seconds() })).status).toBe(200);
    await h.settle();
    expect((await h.api<{ incident: Incident }>('/api/incidents/INC-1')).incident).toMatchObject({ status: 'acknowledged', acknowledgedBy: USERS.sre });

    clock.advance(60_000);
    await h.click('approve_proposal', proposal.id, USERS.operator, { timestampSeconds: clock.seconds() });
    await h.settle();
    expect((await h.api<{ incident: Incident }>('/api/incidents/INC-1')).incident.status).toBe('mitigating');

    clock.advance(120_000);
    await h.postAlert('/alerts/alertmanager', withStatus(ec2, 'resolved', clock.now()));
    await h.settle();

    const { records } = await h.api<{ records: AuditRecord[] }>('/api/audit?incident=INC-1&kind=incident.summary');
    expect(records).toHaveLength(1);
    expect(records[0]?.details).toMatchObject({
      outcome: 'remediated',
      timeToAcknowledgeMs: 90_000,
      timeToRemediateMs: 150_000,
      actions: [{ runbook: 'ec2-stop-start-instance', target: 'ec2:i-0abc123def4567890', status: 'succeeded', approvedBy: [USERS.operator] }],
    });
    const rootTs = h.slack.messages(CHANNEL).find((m) => !m.thread_ts)?.ts;
    const summary = h.slack.messages(CHANNEL).filter((m) => m.thread_ts === rootTs).map((m) => JSON.stringify(m.blocks)).find((b) => b.includes('What ran'));
    expect(summary).toContain('ec2-stop-start-instance');
    expect(summary).toContain(`approved by <@${USERS.operator}>`);
    expect(summary).toContain('1m 30s');
    const kinds = (await h.api<{ records: AuditRecord[] }>('/api/audit?incident=INC-1&n=100')).records.map((r) => r.kind);
    expect(kinds).toEqual(expect.arrayContaining(['incident.acknowledged', 'incident.status_changed', 'incident.resolved', 'incident.summary']));
  });

  it('refuses the Acknowledge button from someone outside the policy, and audits it', async () => {
    h = await startHarness({ DRY_RUN: 'true' });
    await h.postAlert('/alerts/alertmanager', await load('ecs-firing.json'));
    await h.settle();
    await h.click('ack_incident', 'INC-1', USERS.stranger);
    await h.settle();
    expect((await h.api<{ incident: Incident }>('/api/incidents/INC-1')).incident.status).toBe('open');
    const refused = await h.api<{ records: AuditRecord[] }>('/api/audit?incident=INC-1&kind=incident.ack_refused');
    expect(refused.records.map((r) => r.operator)).toEqual([USERS.stranger]);
    const ephemeral = h.slack.callsTo('response_url').find((c) => c.args.user === USERS.stranger);
    expect(String(ephemeral?.args.text)).toMatch(/^Refused/);
  });
});
