import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditRecord } from '../../src/core/audit.js';
import type { Incident } from '../../src/core/incident.js';
import { USERS, startHarness } from './harness.js';
import type { Harness } from './harness.js';

describe('/incident', () => {
  let h: Harness;
  const incident = async () => (await h.api<{ incident: Incident }>('/api/incidents/INC-1')).incident;
  const audit = async (kind: string) => (await h.api<{ records: AuditRecord[] }>(`/api/audit?incident=INC-1&kind=${kind}`)).records;

  beforeAll(async () => {
    h = await startHarness({ DRY_RUN: 'true' });
    await h.postAlert('/alerts/alertmanager', JSON.parse(await readFile('test/fixtures/alertmanager/ec2-firing.json', 'utf8')));
    await h.settle();
  });
  afterAll(async () => h.close());

  it('lists open incidents and shows one with its runbooks and latest steps', async () => {
    expect((await h.command('/incident', 'list', USERS.sre)).text).toContain('*INC-1* [open] critical');
    const shown = (await h.command('/incident', 'show inc-1', USERS.sre)).text ?? '';
    expect(shown).toContain('`ec2-stop-start-instance` on `ec2:i-0abc123def4567890`: pending_approval');
    expect(shown).toContain('incident.opened');
  });

  it('answers malformed text with its usage and an unknown id by naming it', async () => {
    expect((await h.command('/incident', 'frobnicate', USERS.sre)).text).toContain('Usage:');
    expect((await h.command('/incident', 'ack', USERS.sre)).text).toContain('needs an incident id');
    expect((await h.command('/incident', 'ack INC-99', USERS.sre)).text).toBe('No incident INC-99.');
  });

  it('refuses someone holding no authority, audits it, and changes nothing', async () => {
    expect((await h.command('/incident', 'resolve INC-1 nope', USERS.stranger)).text).toMatch(/^Refused/);
    expect(await audit('incident.resolve_refused')).toMatchObject([{ operator: USERS.stranger }]);
    expect((await incident()).status).toBe('open');
  });

  it('acknowledges once, and says who did it first to a second attempt', async () => {
    expect((await h.command('/incident', 'ack INC-1', USERS.sre)).text).toBe('INC-1 acknowledged.');
    expect((await h.command('/incident', 'ack INC-1', USERS.operator)).text).toContain(`already acknowledged by <@${USERS.sre}>`);
    expect(await incident()).toMatchObject({ status: 'acknowledged', acknowledgedBy: USERS.sre });
    expect(await audit('incident.acknowledged')).toHaveLength(1);
  });

  it('resolves by hand with a note, withdraws the pending proposal and posts the summary', async () => {
    const reply = (await h.command('/incident', 'resolve INC-1 rebooted from the console', USERS.operator)).text;
    expect(reply).toContain('INC-1 resolved. 1 alert(s) were still firing');
    await h.settle();
    expect((await incident()).status).toBe('resolved');
    expect(await audit('incident.resolved')).toMatchObject([{ operator: USERS.operator, details: { note: 'rebooted from the console', resolvedBy: USERS.operator } }]);
    expect((await audit('incident.summary'))[0]?.details).toMatchObject({ outcome: 'resolved by hand', acknowledgedBy: USERS.sre });
    expect((await audit('proposal.withdrawn'))).toHaveLength(1);
    expect((await h.command('/incident', 'resolve INC-1', USERS.operator)).text).toContain('already resolved');
  });
});
