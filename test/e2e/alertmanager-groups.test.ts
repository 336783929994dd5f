import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Incident } from '../../src/core/incident.js';
import { CHANNEL, STORM_DELIVERY, startHarness } from './harness.js';
import type { Harness } from './harness.js';

/** An Alertmanager notification for group `group` with alerts `from`…`from + count - 1`. */
function notification(group: string, from: number, count: number, status: 'firing' | 'resolved', truncatedAlerts: number) {
  return {
    version: '4',
    groupKey: `{}:{alertname="${group}"}`,
    status,
    receiver: 'chatops',
    groupLabels: { alertname: group },
    commonLabels: {},
    commonAnnotations: {},
    externalURL: 'http://alertmanager.example:9093',
    truncatedAlerts,
    alerts: Array.from({ length: count }, (_, i) => ({
      status,
      labels: { alertname: group, instance: `node-${from + i}`, severity: 'info' },
      annotations: { summary: `node-${from + i}` },
      startsAt: '2026-11-23T10:00:00Z',
      endsAt: status === 'resolved' ? '2026-11-23T10:30:00Z' : '0001-01-01T00:00:00Z',
      fingerprint: `${group}-${from + i}`,
    })),
  };
}

describe('Alertmanager groups beyond the usual', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ DRY_RUN: 'true' }, { delivery: STORM_DELIVERY });
  });
  afterAll(async () => h.close());

  it('accepts a group of 1,200 alerts in one notification (a 400 would lose them: Alertmanager never retries 4xx)', async () => {
    const res = await h.postAlert('/alerts/alertmanager', notification('NodeDown', 0, 1200, 'firing', 0));
    expect(res.status, await res.clone().text()).toBe(200);
    expect(((await res.json()) as { accepted: number }).accepted).toBe(1200);
  });
});

describe('an Alertmanager group with alerts left out of its notifications', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ DRY_RUN: 'true' });
  });
  afterAll(async () => h.close());

  it('keeps an incident whose notification left alerts out (max_alerts) open after every alert it was shown resolved, and resolves it once none are left out', async () => {
    expect((await h.postAlert('/alerts/alertmanager', notification('DiskFull', 0, 3, 'firing', 5))).status).toBe(200);
    expect((await h.postAlert('/alerts/alertmanager', notification('DiskFull', 0, 3, 'resolved', 5))).status).toBe(200);
    await h.settle();
    const incidentOf = async () => (await h.api<{ incidents: Incident[] }>('/api/incidents?limit=10')).incidents.find((i) => i.groupKey.includes('DiskFull'));
    expect(await incidentOf()).toMatchObject({ status: 'open', alertsOmitted: 5 });
    const root = h.slack.messages(CHANNEL).find((m) => !m.thread_ts && JSON.stringify(m.blocks).includes('DiskFull'));
    expect(JSON.stringify(root?.blocks)).toContain('Alertmanager left out 5 more alert(s)');

    expect((await h.postAlert('/alerts/alertmanager', notification('DiskFull', 0, 3, 'resolved', 0))).status).toBe(200);
    await h.settle();
    const settled = await incidentOf();
    expect(settled?.status).toBe('resolved');
    expect(settled?.alertsOmitted).toBeUndefined();
  }, 60_000);
});
