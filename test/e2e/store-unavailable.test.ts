import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Incident } from '../../src/core/incident.js';
import type { Proposal } from '../../src/core/proposal.js';
import { CHANNEL, USERS, startHarness } from './harness.js';
import type { Harness } from './harness.js';
import { startSharedStore } from './shared-store.js';
import type { SharedStore } from './shared-store.js';

const fixture = async (name: string) => JSON.parse(await readFile(`test/fixtures/alertmanager/${name}`, 'utf8')) as unknown;

type IncidentList = { incidents: (Incident & { proposals: Proposal[] })[] };

const ACTION_DOCUMENT = 'ChatOps-EC2StopStartInstance';

describe('the store becomes unreachable while a proposal awaits approval', () => {
  let store: SharedStore;
  let h: Harness;
  let proposal: Proposal;

  beforeAll(async () => {
    // A dynalite of the test's own, used as "real DynamoDB", so the test can take it away.
    store = await startSharedStore();
    h = await startHarness(store.env);

    expect((await h.postAlert('/alerts/alertmanager', await fixture('ec2-firing.json'))).status).toBe(200);
    await h.settle();
    const { incidents } = await h.api<IncidentList>('/api/incidents');
    proposal = incidents[0]!.proposals[0]!;
    expect(proposal.status).toBe('pending_approval');
    expect((await fetch(`${h.bot.url}/readyz`)).status).toBe(200);

    await store.close();
  });
  afterAll(async () => h.close());

  it('answers a low-risk alert 503 with a JSON reason, so Alertmanager retries it, and runs nothing for it', async () => {
    const res = await h.postAlert('/alerts/alertmanager', await fixture('ecs-firing.json'));
    expect(res.status).toBe(503);
    expect(res.headers.get('content-type')).toContain('application/json');
    expect(((await res.json()) as { error: string }).error).toMatch(/store unavailable/);
    await h.settle();
    expect(h.ssm.callsTo('StartAutomationExecution').map((c) => c.input.DocumentName)).toEqual(['ChatOps-CollectDiagnostics-EC2']);
  });

  it('answers the generic webhook 503 too', async () => {
    const res = await h.postAlert('/alerts/generic', await readFile('test/fixtures/generic/valid.json', 'utf8'));
    expect(res.status).toBe(503);
  });

  it('reports not ready on /readyz while staying alive on /healthz, without showing where the store is', async () => {
    const ready = await fetch(`${h.bot.url}/readyz`);
    expect(ready.status).toBe(503);
    const body = await ready.text();
    expect(JSON.parse(body)).toEqual({ status: 'not ready', error: 'store unreachable (details in the bot log)' });
    // Unauthenticated: where the store lives is for the log, not for anyone who asks.
    expect(body).not.toContain(new URL(store.env.AWS_ENDPOINT_URL_DYNAMODB).host);
    expect(body).not.toMatch(/127\.0\.0\.1|localhost|ECONNREFUSED/);
    expect((await fetch(`${h.bot.url}/healthz`)).status).toBe(200);
  });

  it('runs nothing when Approve is clicked, and tells the clicker that nothing ran', async () => {
    const res = await h.click('approve_proposal', proposal.id, USERS.operator);
    // Slack still gets its ack within 3 seconds; the failure is reported to the person instead.
    expect(res.status).toBe(200);
    await h.settle();
    expect(h.ssm.callsTo('StartAutomationExecution').filter((c) => c.input.DocumentName === ACTION_DOCUMENT)).toHaveLength(0);
    expect(h.ssm.executions.filter((e) => e.documentName === ACTION_DOCUMENT)).toHaveLength(0);
    const ephemerals = h.slack.accepted('response_url');
    expect(ephemerals).toHaveLength(1);
    expect(ephemerals[0]?.args).toMatchObject({ channel: CHANNEL, user: USERS.operator });
    expect(String(ephemerals[0]?.args.text)).toMatch(/went wrong.*nothing was run/i);
  });
});
