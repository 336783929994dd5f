import { describe, expect, it } from 'vitest';
import { KILL_SWITCH_USAGE, parseKillSwitchCommand, scopeCovers } from '../../src/core/commands/kill-switch-command.js';

describe('parsing the text after /kill-switch', () => {
  it.each([
    ['nothing', ''],
    ['only spaces', '   '],
    ['status', 'status'],
    ['status with surrounding spaces', '  status  '],
  ])('reads %s as a status request', (_what, text) => {
    expect(parseKillSwitchCommand(text)).toEqual({ ok: true, op: 'status' });
  });

  it.each([
    ['global with no reason', 'on global', { op: 'on', scope: 'global', reason: '', abortRunning: false }],
    ['a service with a reason', 'on service:checkout-api bad deploy in progress', { op: 'on', scope: 'service:checkout-api', reason: 'bad deploy in progress', abortRunning: false }],
    ['an action type', 'on action:restart', { op: 'on', scope: 'action:restart', reason: '', abortRunning: false }],
    ['a release with a reason', 'off action:network_change all clear', { op: 'off', scope: 'action:network_change', reason: 'all clear', abortRunning: false }],
    ['--abort-running anywhere after the scope', 'on global --abort-running runaway restarts', { op: 'on', scope: 'global', reason: 'runaway restarts', abortRunning: true }],
    ['runs of spaces between words', '  on   service:ec2    disk   full ', { op: 'on', scope: 'service:ec2', reason: 'disk full', abortRunning: false }],
  ])('reads %s', (_what, text, expected) => {
    expect(parseKillSwitchCommand(text)).toEqual({ ok: true, ...expected });
  });

  it('cuts a very long reason to 500 characters', () => {
    const parsed = parseKillSwitchCommand(`on global ${'x'.repeat(900)}`);
    expect(parsed.ok && parsed.op === 'on' ? parsed.reason.length : -1).toBe(500);
  });

  it.each([
    ['status with an argument', 'status global', '`status` takes no arguments'],
    ['an unknown subcommand', 'enable global', 'Unknown subcommand `enable`'],
    ['on without a scope', 'on', '`on` needs a scope'],
    ['off without a scope', 'off', '`off` needs a scope'],
    ['a scope of an unknown kind', 'on region:eu-west-1', '`region:eu-west-1` is not a scope'],
    ['a service scope without a name', 'on service:', '`service:` is not a scope'],
    ['an action scope with capitals', 'on action:Restart', '`action:Restart` is not a scope'],
    ['a bare word as scope', 'on everything', '`everything` is not a scope'],
    ['--abort-running on a release', 'off global --abort-running', '--abort-running only goes with `on`'],
  ])('answers %s with what is wrong and the usage', (_what, text, problem) => {
    const parsed = parseKillSwitchCommand(text);
    expect(parsed.ok).toBe(false);
    const message = parsed.ok ? '' : parsed.message;
    expect(message).toContain(problem);
    expect(message).toContain(KILL_SWITCH_USAGE);
  });

  it('does not echo an unbounded subcommand back', () => {
    const parsed = parseKillSwitchCommand(`${'z'.repeat(5000)} global`);
    expect(parsed.ok).toBe(false);
    expect(parsed.ok ? '' : parsed.message.length).toBeLessThan(KILL_SWITCH_USAGE.length + 100);
  });
});

describe('which plans a kill switch scope covers', () => {
  const plan = { service: 'checkout-api', actionType: 'restart' };
  it.each([
    ['global', true],
    ['service:checkout-api', true],
    ['action:restart', true],
    ['service:payments', false],
    ['action:network_change', false],
    ['service:checkout', false],
    ['checkout-api', false],
  ])('%s covers checkout-api restarts: %s', (scope, covered) => {
    expect(scopeCovers(scope, plan)).toBe(covered);
  });
});
