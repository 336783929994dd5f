import { readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { renderSsmStack } from './render-ssm-stack.js';

/**
 * `npm run ssm:stack`: regenerates manifests/cloudformation/ssm-documents.yaml from runbooks/ssm.
 * `npm run ssm:stack -- --check` only says whether the file is up to date (exit 1 when it is not).
 */
const ssmDir = path.join(process.env.RUNBOOKS_DIR || './runbooks', 'ssm');
const target = 'manifests/cloudformation/ssm-documents.yaml';
const files = (await readdir(ssmDir)).filter((f) => f.endsWith('.yaml'));
const documents = await Promise.all(
  files.map(async (f) => ({ name: f.replace(/\.yaml$/, ''), doc: parseYaml(await readFile(path.join(ssmDir, f), 'utf8')) as Record<string, unknown> })),
);
const rendered = renderSsmStack(documents);
if (process.argv.includes('--check')) {
  const current = await readFile(target, 'utf8').catch(() => '');
  if (current !== rendered) {
    console.error(`${target} is out of date with ${ssmDir}: run npm run ssm:stack`);
    process.exit(1);
  }
  console.log(`${target} embeds the ${documents.length} documents of ${ssmDir}`);
} else {
  await writeFile(target, rendered);
  console.log(`wrote ${target}: ${documents.length} documents, ${rendered.length} bytes`);
}
