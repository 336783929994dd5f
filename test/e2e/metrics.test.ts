import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testClock } from '../fakes/test-clock.js';
import { SECRETS, startHarness } from './harness.js';
import type { Harness } from './harness.js';

describe('/metrics', () => {
  let h: Harness;
  let text: string;
  // The bot's clock: it runs while the alerts are handled, then stands still unless a test moves
  // it, so the figures read afterwards are exact.
  const clock = testClock();

  const scrape = async () => (await fetch(`${h.bot.url}/metrics`)).text();

  beforeAll(async () => {
    h = await startHarness({}, { clock });
    // Two throttled starts before the third goes through: two retries.
    h.ssm.script.failNext('StartAutomationExecution', 2, 'ThrottlingException');
    // The first root message cannot be posted: one Slack delivery failure.
    h.slack.failNext('chat.postMessage', 'channel_not_found');
    // Low risk: runs at once, claims its 15-minute cooldown and leaves the incident mitigating.
    await h.postAlert('/alerts/alertmanager', JSON.parse(await readFile('test/fixtures/alertmanager/ecs-firing.json', 'utf8')));
    await h.postAlert('/alerts/alertmanager', JSON.parse(await readFile('test/fixtures/alertmanager/ec2-firing.json', 'utf8')));
    await h.settle();
    clock.freeze();
    text = await scrape();
  });
  afterAll(async () => h.close());

  it('counts alerts received, incidents opened and actions by runbook and outcome', () => {
    expect(text).toMatch(/^chatops_alerts_received_total\{source="alertmanager"\} 2$/m);
    expect(text).toMatch(/^chatops_incidents_opened_total 2$/m);
    expect(text).toMatch(/^chatops_actions_total\{runbook="ecs-force-new-deployment",outcome="success"\} 1$/m);
  });

  it('counts the automation calls retried after a transient error', () => {
    expect(text).toMatch(/^chatops_action_retries_total\{operation="StartAutomationExecution"\} 2$/m);
  });

  it('counts Slack calls that failed for good', () => {
    expect(text).toMatch(/^chatops_slack_delivery_failures_total\{what="root"\} 1$/m);
  });

  it('keeps the time of the last delivery of alerts, redeliveries included, as a heartbeat', async () => {
    const lastAlert = (scraped: string) => Number(/^chatops_last_alert_timestamp_seconds (\S+)$/m.exec(scraped)?.[1]);
    const first = lastAlert(text);
    expect(first).toBeLessThanOrEqual(clock.now().getTime() / 1000);
    clock.advance(30_000);
    // Alertmanager repeats a firing alert every repeat_interval: nothing new is stored, but alerts still arrive.
    expect((await h.postAlert('/alerts/alertmanager', JSON.parse(await readFile('test/fixtures/alertmanager/ec2-firing.json', 'utf8')))).status).toBe(200);
    const second = lastAlert(await scrape());
    expect(second).toBe(clock.now().getTime() / 1000);
    expect(second).toBeGreaterThanOrEqual(first + 30);
  });

  it('shows each engaged kill switch as 1 while it is engaged, and drops it once released', async () => {
    const post = (state: 'on' | 'off') =>
      fetch(`${h.bot.url}/api/kill-switches`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${SECRETS.OPERATOR_TOKEN}` },
        body: JSON.stringify({ scope: 'service:checkout-api', state, reason: 'metrics test' }),
      });
    expect((await post('on')).status).toBe(200);
    expect(await scrape()).toMatch(/^chatops_kill_switch_engaged\{scope="service:checkout-api"\} 1$/m);
    expect((await post('off')).status).toBe(200);
    expect(await scrape()).not.toMatch(/^chatops_kill_switch_engaged\{/m);
  });

  it('shows unresolved incidents by state', () => {
    expect(text).toMatch(/^chatops_incidents\{state="mitigating"\} 1$/m);
    expect(text).toMatch(/^chatops_incidents\{state="open"\} 1$/m);
    expect(text).toMatch(/^chatops_incidents\{state="acknowledged"\} 0$/m);
  });

  it('shows the cooldown left for the runbook and target that just ran, counting down', async () => {
    const remaining = (scraped: string) => Number(/^chatops_cooldown_remaining_seconds\{runbook="ecs-force-new-deployment",target="ecs:prod-cluster\/checkout-api"\} (\d+)$/m.exec(scraped)?.[1]);
    const [cooldown] = await h.bot.deps.cooldowns.listActive();
    expect(cooldown?.key).toBe('ecs-force-new-deployment#ecs:prod-cluster/checkout-api');
    // The 15 minutes it claimed when it ran, less what the clock has moved since, to the second.
    const left = () => Math.ceil((Date.parse(cooldown!.until) - clock.now().getTime()) / 1000);
    expect(left()).toBeGreaterThan(800);
    expect(remaining(await scrape())).toBe(left());
    clock.advance(100_000);
    expect(remaining(await scrape())).toBe(left());
  });

  it('has the audit write latency histogram', () => {
    expect(text).toMatch(/^chatops_audit_write_seconds_count\{ok="true"\} \d+$/m);
  });
});
