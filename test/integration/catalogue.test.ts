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
  it('loads the shipped runbooks and policy', async () => {
    const cat = await loadCatalogue('runbooks', 'runbooks/policy.yaml');
    expect(cat.runbooks.map((r) => [r.id, r.risk]).sort()).toEqual([
      ['ec2-stop-start-instance', 'medium'],
      ['ecs-force-new-deployment', 'low'],
      ['sg-revoke-open-ssh', 'high'],
    ]);
    expect(cat.byId.get('sg-revoke-open-ssh')?.reversible).toBe(false);
  });

  it.each([
    ['a bad risk level', (s: string) => s.replace(/^risk: low/m, 'risk: extreme'), 'risk'],
    ['a template reaching outside labels', (s: string) => s.replace('{{labels.cluster}}/', '{{env.HOME}}/'), 'target'],
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
