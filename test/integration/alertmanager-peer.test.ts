import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Incident } from '../../src/core/incident.js';
import type { Proposal } from '../../src/core/proposal.js';
import { SECRETS, startHarness } from '../e2e/harness.js';
import type { Harness } from '../e2e/harness.js';
import { startAlertmanager } from '../fakes/alertmanager-process.js';
import type { PostableAlert, RunningAlertmanager } from '../fakes/alertmanager-process.js';
import { systemPeer } from '../fakes/system-peers.js';

type IncidentWithProposals = Incident & { proposals: Proposal[] };

// Alertmanager notifies only on group_wait / group_interval ticks (1 s here), and retries failed
// deliveries with backoff; 30 s leaves room for a slow CI machine without hiding a real miss.
const NOTIFY_TIMEOUT_MS = 30_000;

async function eventually<T>(what: string, probe: () => Promise<T | undefined>, diagnostics: () => string): Promise<T> {
  const deadline = Date.now() + NOTIFY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    const value = await probe();
    if (value !== undefined) return value;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`timed out after ${NOTIFY_TIMEOUT_MS} ms waiting for ${what}\n${diagnostics()}`);
}

const alertmanager = systemPeer('alertmanager');

describe.skipIf(alertmanager.skip)('the bot behind a real Alertmanager (Debian prometheus-alertmanager)', () => {
  let h: Harness;
  let am: RunningAlertmanager;
  let alert: PostableAlert;
  let openedId: string | undefined;
  const diagnostics = () => `--- Alertmanager log ---\n${am?.logs() ?? ''}\n--- bot log (last 20 lines) ---\n${h?.logs.slice(-20).join('') ?? ''}`;

  beforeAll(async () => {
    // Dry run: this test is about Alertmanager delivering to the bot, so the low-risk runbook must not
    // run and move the incident to mitigating while the assertions look at it.
    h = await startHarness({ DRY_RUN: 'true' });
    // The webhook token must be right: with ALERT_WEBHOOK_TOKEN set, the bot answers 401 to anything else.
    am = await startAlertmanager({ binary: alertmanager.binary, webhookUrl: `${h.bot.url}/alerts/alertmanager`, token: SECRETS.ALERT_WEBHOOK_TOKEN });
  });

  afterAll(async () => {
    await am?.close();
    await h?.close();
  });

  it('opens one incident, with an ecs-force-new-deployment proposal, for an alert fired through the API', { timeout: NOTIFY_TIMEOUT_MS + 10_000 }, async () => {
    const now = Date.now();
    alert = {
      labels: { alertname: 'ECSServiceTasksBelowDesired', cluster: 'prod-cluster', service: 'checkout-api', severity: 'warning' },
      annotations: { summary: 'checkout-api in prod-cluster runs fewer tasks than desired' },
      // A few seconds back, so the resolving endsAt below is always after it.
      startsAt: new Date(now - 5_000).toISOString(),
      endsAt: new Date(now + 60 * 60 * 1000).toISOString(),
      generatorURL: 'http://prometheus.example:9090/graph?g0.expr=aws_ecs_service_running_count%20%3C%20aws_ecs_service_desired_count',
    };
    await am.postAlerts([alert]);

    const incidents = await eventually(
      'an incident with its proposal',
      async () => {
        const { incidents } = await h.api<{ incidents: IncidentWithProposals[] }>('/api/incidents');
        return incidents.length > 0 && incidents.every((i) => i.proposals.length > 0) ? incidents : undefined;
      },
      diagnostics,
    );

    expect(incidents).toHaveLength(1);
    const [incident] = incidents;
    expect(incident).toMatchObject({ status: 'open', source: 'alertmanager', service: 'checkout-api', title: alert.annotations?.summary });
    // Alertmanager's own group key for group_by [alertname], as it put it in the webhook payload.
    expect(incident?.groupKey).toContain('alertname="ECSServiceTasksBelowDesired"');
    const alerts = Object.values(incident?.alerts ?? {});
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toMatchObject({ name: 'ECSServiceTasksBelowDesired', status: 'firing', labels: alert.labels, generatorURL: alert.generatorURL });
    expect(incident?.proposals).toHaveLength(1);
    expect(incident?.proposals[0]?.plan).toMatchObject({ runbookId: 'ecs-force-new-deployment', target: 'ecs:prod-cluster/checkout-api' });
    openedId = incident?.id;
  });

  it('resolves the incident when the alert resolves in Alertmanager', { timeout: NOTIFY_TIMEOUT_MS + 10_000 }, async () => {
    expect(openedId, 'the firing test must have opened the incident first').toBeDefined();
    // An endsAt in the past resolves the alert; with send_resolved Alertmanager tells the bot on its next group_interval tick.
    await am.postAlerts([{ ...alert, endsAt: new Date(Date.now() - 1_000).toISOString() }]);

    const incident = await eventually(
      'the incident to resolve',
      async () => {
        const { incidents } = await h.api<{ incidents: Incident[] }>('/api/incidents');
        return incidents.length === 1 && incidents[0]?.status === 'resolved' ? incidents[0] : undefined;
      },
      diagnostics,
    );

    expect(Object.values(incident.alerts).map((a) => a.status)).toEqual(['resolved']);
    const { incidents } = await h.api<{ incidents: Incident[] }>('/api/incidents');
    expect(incidents.map((i) => i.id)).toEqual([openedId]);
  });
});
