import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditRecord } from '../../src/core/audit.js';
import type { Incident } from '../../src/core/incident.js';
import { USERS, startHarness } from './harness.js';
import type { Harness } from './harness.js';

/** Everything a command could have changed: switches, incidents, proposals, audit, SSM, Slack posts. */
async function snapshot(h: Harness) {
  await h.settle();
  return {
    switches: await h.bot.deps.killSwitches.listEngaged(),
    incidents: (await h.api<{ incidents: Incident[] }>('/api/incidents')).incidents.length,
    proposals: (await h.bot.deps.proposals.listByStatus(['diagnosing', 'pending_approval', 'approved', 'running', 'succeeded', 'failed', 'dry_run', 'blocked'])).length,
    audit: (await h.api<{ records: AuditRecord[] }>('/api/audit?n=1000')).records.length,
    ssmCalls: h.ssm.calls.length,
    slackPosts: h.slack.callsTo('chat.postMessage').length,
  };
}

describe('slash commands answer bad input with a message and run nothing', () => {
  let h: Harness;
  let before: Awaited<ReturnType<typeof snapshot>>;

  beforeAll(async () => {
    h = await startHarness();
    before = await snapshot(h);
  });
  afterAll(async () => h.close());

  describe('a malformed /kill-switch gets the usage, privately, and changes no switch', () => {
    it.each([
      ['an unknown subcommand', 'enable global'],
      ['on without a scope', 'on'],
      ['a scope of an unknown kind', 'on region:eu-west-1 maintenance'],
      ['a service scope without a name', 'off service:'],
      ['status with arguments', 'status please'],
      ['--abort-running on a release', 'off global --abort-running'],
    ])('%s', async (_what, text) => {
      const ack = await h.command('/kill-switch', text, USERS.sre);
      expect(ack.response_type).toBe('ephemeral');
      expect(ack.text).toContain('Usage:');
      expect(ack.text).toContain('/kill-switch on &lt;scope&gt;'); // placeholders escaped: Slack shows them as <scope>
      expect(await snapshot(h)).toEqual(before);
    });
  });

  describe('a malformed /remediate gets the usage, privately, and runs nothing', () => {
    it.each([
      ['no runbook id', ''],
      ['a runbook id that cannot be one', 'Restart_Everything'],
      ['a word that is not key=value', 'ecs-force-new-deployment prod-cluster'],
      ['a key given twice', 'ecs-force-new-deployment cluster=a cluster=b service=checkout-api'],
    ])('%s', async (_what, text) => {
      const ack = await h.command('/remediate', text, USERS.sre);
      expect(ack.response_type).toBe('ephemeral');
      expect(ack.text).toContain('Usage: `/remediate &lt;runbook-id&gt; key=value …`');
      expect(ack.blocks).toBeUndefined();
      expect(await snapshot(h)).toEqual(before);
    });
  });

  it('names an unknown runbook id, lists the known ones, and runs nothing', async () => {
    const ack = await h.command('/remediate', 'restart-the-world cluster=prod-cluster', USERS.sre);
    expect(ack.response_type).toBe('ephemeral');
    expect(ack.text).toContain('Unknown runbook `restart-the-world`');
    expect(ack.text).toContain('`ecs-force-new-deployment`');
    expect(ack.blocks).toBeUndefined();
    expect(await snapshot(h)).toEqual(before);
  });

  it.each([
    ['a value with shell characters', 'ecs-force-new-deployment cluster=prod;reboot service=checkout-api', 'Cluster', '"prod;reboot"'],
    ['a missing label', 'ecs-force-new-deployment cluster=prod-cluster', 'Service', 'an empty value'],
    ['an instance id of the wrong shape', 'ec2-stop-start-instance instance_id=i-XYZ', 'InstanceId', '"i-XYZ"'],
  ])('names the parameter for %s, offers no Confirm button, and runs nothing', async (_what, text, parameter, shown) => {
    const ack = await h.command('/remediate', text, USERS.sre);
    expect(ack.response_type).toBe('ephemeral');
    expect(ack.text).toContain(`parameter ${parameter} rendered to ${shown}`);
    expect(ack.text).toContain('Nothing was run');
    expect(ack.blocks).toBeUndefined();
    expect(await snapshot(h)).toEqual(before);
  });

  it('shows a well-formed /remediate as a plan with a Confirm button, and still runs nothing until it is confirmed', async () => {
    const ack = await h.command('/remediate', 'ecs-force-new-deployment cluster=prod-cluster service=checkout-api', USERS.sre);
    expect(ack.response_type).toBe('ephemeral');
    const text = JSON.stringify(ack.blocks);
    expect(text).toContain('ChatOps-ECSForceNewDeployment');
    expect(text).toContain('ecs:prod-cluster/checkout-api');
    expect(text).toContain('remediate_confirm');
    expect(await snapshot(h)).toEqual(before);
  });
});

describe('/kill-switch on, status and off', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => h.close());

  it('engages a switch for an allowed person, audits it and lists it in the status', async () => {
    const on = await h.command('/kill-switch', 'on service:checkout-api bad deploy', USERS.operator);
    expect(on.text).toContain('Kill switch `service:checkout-api` is engaged');
    expect(await h.bot.deps.killSwitches.engaged(['service:checkout-api'])).toMatchObject([{ scope: 'service:checkout-api', by: USERS.operator, authority: 'HUMAN_OPERATOR', reason: 'bad deploy' }]);
    const status = await h.command('/kill-switch', 'status', USERS.stranger);
    expect(status.text).toContain('`service:checkout-api`: engaged by <@U02ABCDEF> (HUMAN_OPERATOR)');
    expect(status.text).toContain('bad deploy');
    const { records } = await h.api<{ records: AuditRecord[] }>('/api/audit?kind=killswitch.engaged');
    expect(records).toMatchObject([{ operator: USERS.operator, authority: 'HUMAN_OPERATOR', details: { scope: 'service:checkout-api', reason: 'bad deploy' } }]);
  });

  it('refuses a release by someone the policy does not allow to release, and keeps the switch on', async () => {
    const off = await h.command('/kill-switch', 'off service:checkout-api', USERS.operator);
    expect(off.text).toMatch(/^Refused: turning kill switches off needs one of ON_CALL_SRE, EMERGENCY_OVERRIDE/);
    expect(await h.bot.deps.killSwitches.engaged(['service:checkout-api'])).toHaveLength(1);
    expect((await h.api<{ records: AuditRecord[] }>('/api/audit?kind=killswitch.refused')).records).toHaveLength(1);
  });

  it('releases it for the on-call SRE, after which the status lists nothing', async () => {
    const off = await h.command('/kill-switch', 'off service:checkout-api fixed', USERS.sre);
    expect(off.text).toContain('Kill switch `service:checkout-api` is released');
    const status = await h.command('/kill-switch', '', USERS.sre);
    expect(status.text).toMatch(/^No kill switch is engaged/);
  });
});
