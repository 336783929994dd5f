import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Incident } from '../../src/core/incident.js';
import type { AuditRecord } from '../../src/core/audit.js';
import { STORM_DELIVERY, startHarness } from './harness.js';
import type { Harness } from './harness.js';

/** One Alertmanager group of `count` alerts, each carrying ten 1,000-character labels. */
function storm(from: number, count: number) {
  return {
    version: '4',
    groupKey: '{}:{alertname="NodeDown"}',
    status: 'firing',
    receiver: 'chatops',
    groupLabels: { alertname: 'NodeDown' },
    commonLabels: {},
    commonAnnotations: {},
    externalURL: 'http://alertmanager.example:9093',
    alerts: Array.from({ length: count }, (_, i) => ({
      status: 'firing',
      labels: { alertname: 'NodeDown', instance: `node-${from + i}`, ...Object.fromEntries(Array.from({ length: 10 }, (_, k) => [`l${k}`, 'v'.repeat(1000)])) },
      annotations: { summary: `node-${from + i} is down` },
      startsAt: '2026-11-23T10:00:00Z',
      endsAt: '0001-01-01T00:00:00Z',
      fingerprint: `fp${from + i}`,
    })),
  };
}

describe('an alert storm in one group with large labels', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ DRY_RUN: 'true' }, { delivery: STORM_DELIVERY });
  });
  afterAll(async () => h.close());

  it('stores every delivery (no 5xx), keeps the incident within one item, and audits every alert', { timeout: 60_000 }, async () => {
    for (let from = 0; from < 1000; from += 250) {
      const res = await h.postAlert('/alerts/alertmanager', storm(from, 250));
      expect(res.status, await res.clone().text()).toBe(200);
    }
    await h.settle();
    const { incidents } = await h.api<{ incidents: Incident[] }>('/api/incidents');
    expect(incidents).toHaveLength(1);
    expect(incidents[0]?.alertsOverflow).toBe(true);
    const received = (await h.api<{ records: AuditRecord[] }>('/api/audit?incident=INC-1&kind=alert.received&n=1000')).records;
    expect(received.length).toBe(1000);
    // Every alert once, and each step of the incident once, though its processing ran many times
    // over a trail of a thousand records.
    const trail = (await h.api<{ timeline: AuditRecord[] }>('/api/incidents/INC-1')).timeline;
    expect(trail.filter((r) => r.kind === 'alert.received')).toHaveLength(1000);
    expect(trail.filter((r) => r.kind === 'incident.opened')).toHaveLength(1);
    const unmatched = trail.filter((r) => r.kind === 'runbook.none');
    expect(unmatched.length).toBeGreaterThan(0);
    expect(new Set(unmatched.map((r) => r.auditId)).size).toBe(unmatched.length);
  });
});

describe('one webhook carrying a whole group', () => {
  it('opens one incident from its firing alerts; a resolution of an alert never seen is not stored', async () => {
    const h = await startHarness({ DRY_RUN: 'true' });
    try {
      const group = storm(0, 3);
      group.alerts[0]!.status = 'resolved';
      const res = await h.postAlert('/alerts/alertmanager', group);
      expect(await res.json()).toMatchObject({ accepted: 3, incidents: ['INC-1'] });
      // The item takes the alerts in from their records right after the answer (incident processing).
      await h.settle();
      const { incidents } = await h.api<{ incidents: Incident[] }>('/api/incidents');
      expect(incidents).toHaveLength(1);
      expect(Object.keys(incidents[0]!.alerts).sort()).toEqual(['fp1', 'fp2']);
      const received = (await h.api<{ records: AuditRecord[] }>('/api/audit?incident=INC-1&kind=alert.received')).records;
      expect(received.map((r) => r.details?.effect)).toEqual(['opened', 'alert-added']);
    } finally {
      await h.close();
    }
  });
});
