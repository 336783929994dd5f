import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditRecord } from '../../src/core/audit.js';
import { startHarness } from './harness.js';
import type { Harness } from './harness.js';

const fixture = async (name: string) => JSON.parse(await readFile(`test/fixtures/alertmanager/${name}`, 'utf8')) as unknown;

describe('/api/audit?alertname=', () => {
  let h: Harness;
  const audit = async (query: string) => (await h.api<{ records: AuditRecord[] }>(`/api/audit?${query}`)).records;

  beforeAll(async () => {
    h = await startHarness();
    // INC-1: the ECS alert, whose low-risk action runs; INC-2: an EC2 alert, which must not show up.
    await h.postAlert('/alerts/alertmanager', await fixture('ecs-firing.json'));
    await h.postAlert('/alerts/alertmanager', await fixture('ec2-firing.json'));
    await h.settle();
  });
  afterAll(async () => h.close());

  it('returns every record of the incident the alert opened, not only those that carry its name', async () => {
    const records = await audit('alertname=ECSServiceTasksBelowDesired&n=1000');
    expect(new Set(records.map((r) => r.incidentId))).toEqual(new Set(['INC-1']));
    const kinds = records.map((r) => r.kind);
    expect(kinds).toEqual(expect.arrayContaining(['alert.received', 'incident.opened', 'proposal.created', 'action.started', 'action.succeeded']));
    // The action's records name the runbook, not the alert: these are what the filter used to miss.
    expect(records.filter((r) => r.alertname === undefined).length).toBeGreaterThan(0);
    expect(records).toEqual(await audit('incident=INC-1&n=1000'));
  });

  it('applies the other filters to those records', async () => {
    const records = await audit('alertname=ECSServiceTasksBelowDesired&kind=action.succeeded');
    expect(records.map((r) => [r.incidentId, r.kind, r.runbook])).toEqual([['INC-1', 'action.succeeded', 'ecs-force-new-deployment']]);
    expect(await audit('alertname=ECSServiceTasksBelowDesired&incident=INC-2')).toEqual([]);
  });

  it('returns nothing for an alert that never came', async () => {
    expect(await audit('alertname=NeverFired')).toEqual([]);
  });
});
