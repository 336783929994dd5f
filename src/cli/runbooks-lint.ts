import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { loadCatalogue, CatalogueError } from '../config/load-catalogue.js';
import { checkSsmDocument, stateChange } from '../core/runbooks/ssm-document-rules.js';
import { documentsOf } from '../core/runbooks/schema.js';
import type { NamedDocument } from '../core/runbooks/schema.js';

/**
 * `npm run runbooks:lint`: validates every runbook and the policy (the same checks as start-up),
 * checks that each SSM document a runbook names exists under runbooks/ssm/ and follows the
 * authoring rules. Prints every problem and exits 1 if there is any.
 */
async function lint(runbooksDir: string, policyFile: string): Promise<string[]> {
  const problems: string[] = [];
  let documents: string[] = [];
  const readOnly: (NamedDocument & { runbook: string })[] = [];
  try {
    const catalogue = await loadCatalogue(runbooksDir, policyFile);
    for (const rb of catalogue.runbooks) {
      const named = documentsOf(rb);
      documents.push(...named.map((s) => s.document));
      readOnly.push(...named.filter((d) => d.role === 'diagnostics' || d.role === 'targets').map((d) => ({ ...d, runbook: rb.id })));
    }
    console.log(`${catalogue.runbooks.length} runbooks and the policy are valid`);
  } catch (err) {
    if (!(err instanceof CatalogueError)) throw err;
    problems.push(...err.problems);
  }
  documents = [...new Set(documents)];
  const ssmDir = path.join(runbooksDir, 'ssm');
  const present = new Set((await readdir(ssmDir).catch(() => [] as string[])).filter((f) => /\.ya?ml$/.test(f)).map((f) => f.replace(/\.ya?ml$/, '')));
  for (const doc of documents) if (!present.has(doc)) problems.push(`${ssmDir}: no document ${doc}.yaml, which a runbook names`);
  for (const name of [...present].sort()) {
    const file = path.join(ssmDir, `${name}.yaml`);
    try {
      const doc: unknown = parseYaml(await readFile(file, 'utf8'));
      const violations = checkSsmDocument(name, doc);
      problems.push(...violations.map((v) => `${file}: ${v}`));
      // Diagnostics run before anyone approved anything, and target discovery on a timer: they only read.
      const steps = (doc as { mainSteps?: unknown }).mainSteps;
      for (const use of readOnly.filter((d) => d.document === name)) {
        for (const step of Array.isArray(steps) ? (steps as { name?: unknown; action?: unknown; inputs?: unknown }[]) : []) {
          const change = stateChange(step);
          if (change) problems.push(`${file}: runbook ${use.runbook} runs it as ${use.role === 'targets' ? 'target discovery' : 'diagnostics'}, but step ${String(step.name)} changes state (${change})`);
        }
      }
    } catch (err) {
      problems.push(`${file}: ${(err as Error).message.split('\n')[0]}`);
    }
  }
  if (problems.length === 0) console.log(`${present.size} SSM documents follow the authoring rules`);
  return problems;
}

const runbooksDir = process.env.RUNBOOKS_DIR || './runbooks';
const policyFile = process.env.POLICY_FILE || path.join(runbooksDir, 'policy.yaml');
const problems = await lint(runbooksDir, policyFile);
if (problems.length > 0) {
  console.error(`runbooks:lint found ${problems.length} problem(s):\n  ${problems.join('\n  ')}`);
  process.exit(1);
}
