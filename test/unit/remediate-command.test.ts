import { describe, expect, it } from 'vitest';
import { REMEDIATE_USAGE, parseRemediateCommand } from '../../src/core/commands/remediate-command.js';

describe('parsing the text after /remediate', () => {
  it.each([
    ['a runbook id alone', 'ecs-force-new-deployment', 'ecs-force-new-deployment', {}],
    ['a runbook id with label pairs', 'ecs-force-new-deployment cluster=prod-cluster service=checkout-api', 'ecs-force-new-deployment', { cluster: 'prod-cluster', service: 'checkout-api' }],
    ['runs of spaces', '  ec2-stop-start-instance    instance_id=i-0abc123def4567890  ', 'ec2-stop-start-instance', { instance_id: 'i-0abc123def4567890' }],
    ['a value holding "=" (split at the first one)', 'sg-revoke-open-ssh group_id=a=b', 'sg-revoke-open-ssh', { group_id: 'a=b' }],
    ['an empty value (the runbook pattern judges it later)', 'ecs-force-new-deployment cluster=', 'ecs-force-new-deployment', { cluster: '' }],
  ])('reads %s', (_what, text, runbookId, labels) => {
    expect(parseRemediateCommand(text)).toEqual({ ok: true, runbookId, labels });
  });

  it.each([
    ['nothing', '', ''],
    ['only spaces', '   ', ''],
    ['a runbook id with capitals', 'ECS-Force', '`ECS-Force` is not a runbook id'],
    ['a runbook id with a path in it', '../policy', '`../policy` is not a runbook id'],
    ['a word without "="', 'ecs-force-new-deployment cluster', '`cluster` is not a key=value pair'],
    ['a pair without a key', 'ecs-force-new-deployment =prod', '`=prod` is not a key=value pair'],
    ['a key starting with a digit', 'ecs-force-new-deployment 1cluster=prod', '`1cluster=prod` is not a key=value pair'],
    ['a key with punctuation', 'ecs-force-new-deployment clu.ster=prod', '`clu.ster=prod` is not a key=value pair'],
    ['the same key twice', 'ecs-force-new-deployment cluster=a cluster=b', '`cluster` is given twice'],
  ])('answers %s with what is wrong and the usage', (_what, text, problem) => {
    const parsed = parseRemediateCommand(text);
    expect(parsed.ok).toBe(false);
    const message = parsed.ok ? '' : parsed.message;
    expect(message).toContain(problem);
    expect(message).toContain(REMEDIATE_USAGE);
  });

  it('keeps keys named like Object properties as plain labels, without touching any prototype', () => {
    const parsed = parseRemediateCommand('ecs-force-new-deployment __proto__=x constructor=y toString=z');
    expect(parsed.ok).toBe(true);
    const labels = parsed.ok ? parsed.labels : {};
    expect(Object.getOwnPropertyNames(labels).sort()).toEqual(['__proto__', 'constructor', 'toString']);
    expect(Object.getPrototypeOf(labels)).toBe(Object.prototype);
    expect(labels.constructor).toBe('y');
    expect(({} as Record<string, unknown>).x).toBeUndefined();
  });
});
