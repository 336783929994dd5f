import { cp, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CatalogueError, loadCatalogue } from '../../src/config/load-catalogue.js';

async function copyRunbooks(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'runbooks-'));
  await cp('runbooks', dir, { recursive: true });
  return dir;
}

describe('runbook catalogue', () => {
  /** The catalogue (issue 12): risk and reversibility of each entry's runbook, and its rollback runbook. */
  const CATALOGUE: [string, 'low' | 'medium' | 'high', boolean, string | undefined][] = [
    ['asg-scale-out', 'low', true, 'asg-scale-in'],
    ['ecs-force-new-deployment', 'low', true, 'ecs-rollback-task-definition'],
    ['lambda-raise-reserved-concurrency', 'medium', true, 'lambda-lower-reserved-concurrency'],
    ['ec2-stop-start-instance', 'medium', true, 'ec2-start-instance'],
    ['s3-enable-block-public-access', 'high', false, undefined],
    ['ebs-snapshot-before-resize', 'low', true, undefined],
    ['dynamodb-raise-read-capacity', 'medium', true, 'dynamodb-lower-read-capacity'],
    ['sg-revoke-open-ssh', 'high', false, undefined],
    ['cloudfront-invalidate-alb-origin', 'medium', true, undefined],
    ['route53-failover-to-secondary', 'medium', true, 'route53-fail-back'],
    ['sqs-redrive-dlq', 'medium', true, 'sqs-cancel-dlq-redrive'],
    ['lambda-raise-sqs-consumer-concurrency', 'medium', true, 'lambda-lower-sqs-consumer-concurrency'],
    ['sns-pause-failing-subscription', 'medium', true, 'sns-resume-subscription'],
    ['cloudtrail-restart-logging', 'high', false, undefined],
    ['iam-disable-stale-access-keys', 'medium', true, 'iam-enable-access-keys'],
    ['securityhub-record-config-finding', 'low', true, undefined],
    ['iam-quarantine-principal', 'medium', true, 'iam-release-quarantine'],
  ];

  /** The two scheduled ones of the catalogue's maintenance list: schedule (UTC), discovery, risk, reversible. */
  const SCHEDULED: [string, string, string, 'low' | 'medium' | 'high', boolean][] = [
    ['ebs-delete-old-snapshots', '0 2 * * *', 'ChatOps-DiscoverNonProdSnapshotVolumes', 'medium', false],
    ['iam-rotate-access-keys', '0 1 * * 0', 'ChatOps-DiscoverNonProdAccessKeys', 'low', true],
  ];

  it('loads the shipped runbooks and policy: the seventeen entries, their standalone rollbacks and two scheduled ones', async () => {
    const cat = await loadCatalogue('runbooks', 'runbooks/policy.yaml');
    const rollbacks = CATALOGUE.flatMap(([, , , r]) => (r ? [r] : []));
    expect(cat.runbooks.map((r) => r.id).sort()).toEqual([...CATALOGUE.map(([id]) => id), ...rollbacks, ...SCHEDULED.map(([id]) => id)].sort());
    expect(cat.runbooks.length).toBeGreaterThanOrEqual(20);
  });

  it.each(CATALOGUE)('%s is %s risk, reversible: %s, and its rollback document is the runbook %s', async (id, risk, reversible, rollback) => {
    const cat = await loadCatalogue('runbooks', 'runbooks/policy.yaml');
    const runbook = cat.byId.get(id);
    expect(runbook).toMatchObject({ risk, reversible });
    if (!rollback) return;
    // The rollback runbook runs the same document as the rollback step, and matches no alert by itself.
    expect(cat.byId.get(rollback)).toMatchObject({ action: { ssm: { document: runbook?.rollback?.ssm?.document } }, match: [] });
  });

  it.each(SCHEDULED)('%s runs on %s over the targets %s lists, %s risk, reversible: %s, matching no alert', async (id, schedule, discovery, risk, reversible) => {
    const cat = await loadCatalogue('runbooks', 'runbooks/policy.yaml');
    expect(cat.byId.get(id)).toMatchObject({ schedule, targets: { ssm: { document: discovery, output: 'CollectDiagnostics.Targets' } }, risk, reversible, match: [] });
  });

  it.each([
    ['a bad risk level', (s: string) => s.replace(/^risk: low/m, 'risk: extreme'), 'risk'],
    ['a template reaching outside labels', (s: string) => s.replace('target: "ecs:{{labels.cluster', 'target: "ecs:{{env.HOME'), 'target'],
    ['a broken YAML file', () => 'id: [unclosed', 'ecs-force-new-deployment.yaml'],
  ])('refuses %s, naming the file and the field', async (_label, edit, field) => {
    const dir = await copyRunbooks();
    const file = path.join(dir, 'ecs-force-new-deployment.yaml');
    await writeFile(file, edit(await readFile(file, 'utf8')));
    const error = await loadCatalogue(dir, path.join(dir, 'policy.yaml')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CatalogueError);
    expect((error as CatalogueError).message).toContain(file);
    expect((error as CatalogueError).message).toContain(field);
  });

  it('refuses a policy naming an unknown authority', async () => {
    const dir = await copyRunbooks();
    const policy = path.join(dir, 'policy.yaml');
    await writeFile(policy, (await readFile(policy, 'utf8')).replace('engage:  [ON_CALL_SRE', 'engage:  [NOBODY_AT_ALL').replace('engage: [ON_CALL_SRE', 'engage: [NOBODY_AT_ALL'));
    await expect(loadCatalogue(dir, policy)).rejects.toThrow(/unknown authority NOBODY_AT_ALL/);
  });
});
