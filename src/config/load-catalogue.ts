import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { ZodError } from 'zod';
import type { Runbook } from '../core/runbooks/schema.js';
import { runbookSchema } from '../core/runbooks/schema.js';
import { templateErrors } from '../core/runbooks/template.js';
import { promqlTemplateErrors } from '../core/runbooks/promql-template.js';
import type { Policy } from '../core/policy/schema.js';
import { policySchema } from '../core/policy/schema.js';

/** The validated runbooks and policy the bot runs with. */
export interface Catalogue {
  runbooks: Runbook[];
  byId: Map<string, Runbook>;
  policy: Policy;
}

export class CatalogueError extends Error {
  override readonly name = 'CatalogueError';
  constructor(readonly problems: string[]) {
    super(`runbook catalogue is invalid:\n  ${problems.join('\n  ')}`);
  }
}

function zodProblems(file: string, error: ZodError): string[] {
  return error.issues.map((i) => `${file}: ${i.path.join('.') || '(file)'}: ${i.message}`);
}

async function readYaml(file: string): Promise<{ ok: true; value: unknown } | { ok: false; problem: string }> {
  try {
    return { ok: true, value: parseYaml(await readFile(file, 'utf8')) };
  } catch (err) {
    return { ok: false, problem: `${file}: ${(err as Error).message.split('\n')[0]}` };
  }
}

function runbookTemplateProblems(file: string, rb: Runbook): string[] {
  const templates: [string, string][] = [
    ['service', rb.service],
    ['target', rb.target],
    ...Object.entries(rb.parameters).map(([name, p]) => [`parameters.${name}.from`, p.from] as [string, string]),
  ];
  const queries: [string, string][] = [
    ...rb.diagnostics.flatMap((d, i) => (d.promql ? [[`diagnostics.${i}.promql.query`, d.promql.query] as [string, string]] : [])),
    ...(rb.verify ? [['verify.promql', rb.verify.promql] as [string, string]] : []),
  ];
  return [
    ...templates.flatMap(([field, t]) => templateErrors(t).map((e) => `${file}: ${field}: ${e}`)),
    ...queries.flatMap(([field, t]) => promqlTemplateErrors(t).map((e) => `${file}: ${field}: ${e}`)),
  ];
}

/**
 * Loads every `*.yaml`/`*.yml` directly under `runbooksDir` (except the policy file) and the policy.
 * Collects every problem before failing, so one run of `npm run runbooks:lint` shows them all.
 */
export async function loadCatalogue(runbooksDir: string, policyFile: string): Promise<Catalogue> {
  const problems: string[] = [];
  const runbooks: Runbook[] = [];
  let entries: string[];
  try {
    entries = (await readdir(runbooksDir)).sort();
  } catch (err) {
    throw new CatalogueError([`RUNBOOKS_DIR ${runbooksDir}: ${(err as Error).message}`]);
  }
  const policyPath = path.resolve(policyFile);
  for (const name of entries) {
    if (!/\.ya?ml$/.test(name)) continue;
    const file = path.join(runbooksDir, name);
    if (path.resolve(file) === policyPath) continue;
    const parsed = await readYaml(file);
    if (!parsed.ok) {
      problems.push(parsed.problem);
      continue;
    }
    const result = runbookSchema.safeParse(parsed.value);
    if (!result.success) {
      problems.push(...zodProblems(file, result.error));
      continue;
    }
    problems.push(...runbookTemplateProblems(file, result.data));
    if (runbooks.some((r) => r.id === result.data.id)) problems.push(`${file}: id: ${result.data.id} is used by another runbook`);
    runbooks.push(result.data);
  }
  let policy: Policy | undefined;
  const parsedPolicy = await readYaml(policyFile);
  if (!parsedPolicy.ok) problems.push(`POLICY_FILE ${parsedPolicy.problem}`);
  else {
    const result = policySchema.safeParse(parsedPolicy.value);
    if (result.success) policy = result.data;
    else problems.push(...zodProblems(policyFile, result.error));
  }
  if (problems.length > 0 || !policy) throw new CatalogueError(problems);
  return { runbooks, byId: new Map(runbooks.map((r) => [r.id, r])), policy };
}
