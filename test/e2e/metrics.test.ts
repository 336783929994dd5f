import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness } from './harness.js';
import type { Harness } from './harness.js';

describe('/metrics', () => {
  let h: Harness;
  let text: string;

  beforeAll(async () => {
    h = await startHarness();
    // Low risk: runs at once, claims its 15-minute cooldown and leaves the incident mitigating.
    await h.postAlert('/alerts/alertmanager', JSON.parse(await readFile('test/fixtures/alertmanager/ecs-firing.json', 'utf8')));
    await h.postAlert('/alerts/alertmanager', JSON.parse(await readFile('test/fixtures/alertmanager/ec2-firing.json', 'utf8')));
    await h.settle();
    text = await (await fetch(`${h.bot.url}/metrics`)).text();
  });
  afterAll(async () => h.close());

  it('counts alerts received, incidents opened and actions by outcome', () => {
    expect(text).toMatch(/^chatops_alerts_received_total\{source="alertmanager"\} 2$/m);
    expect(text).toMatch(/^chatops_incidents_opened_total 2$/m);
    expect(text).toMatch(/^chatops_actions_total\{outcome="success"\} 1$/m);
  });

  it('shows unresolved incidents by state', () => {
    expect(text).toMatch(/^chatops_incidents\{state="mitigating"\} 1$/m);
    expect(text).toMatch(/^chatops_incidents\{state="open"\} 1$/m);
    expect(text).toMatch(/^chatops_incidents\{state="acknowledged"\} 0$/m);
  });

  it('shows the cooldown left for the runbook and target that just ran', () => {
    const match = /^chatops_cooldown_remaining_seconds\{runbook="ecs-force-new-deployment",target="ecs:prod-cluster\/checkout-api"\} (\d+)$/m.exec(text);
    expect(Number(match?.[1])).toBeGreaterThan(880);
    expect(Number(match?.[1])).toBeLessThanOrEqual(900);
  });

  it('has the audit write latency histogram', () => {
    expect(text).toMatch(/^chatops_audit_write_seconds_count\{ok="true"\} \d+$/m);
  });
});
