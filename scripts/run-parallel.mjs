#!/usr/bin/env node
// Runs the npm scripts named on the command line at the same time, then prints each one's output
// in the order given and exits 1 if any failed. `npm test` uses it for the type check, lint and
// runbook lint: each keeps one core busy for a few seconds, and a 2-core machine can run two.
//
//   node scripts/run-parallel.mjs typecheck lint runbooks:lint
import { spawn } from 'node:child_process';

const names = process.argv.slice(2);
if (names.length === 0) {
  console.error('usage: node scripts/run-parallel.mjs <npm script>...');
  process.exit(64);
}

function run(name) {
  const started = Date.now();
  return new Promise((resolve) => {
    const child = spawn('npm', ['run', name], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    child.on('error', (err) => resolve({ name, code: 1, output: `${output}${err.message}\n`, seconds: 0 }));
    child.on('close', (code) => resolve({ name, code: code ?? 1, output, seconds: (Date.now() - started) / 1000 }));
  });
}

const results = await Promise.all(names.map(run));
for (const { name, code, output, seconds } of results) {
  process.stdout.write(`> npm run ${name}: ${code === 0 ? 'ok' : `failed (exit ${code})`} in ${seconds.toFixed(1)} s\n`);
  if (output.trim()) process.stdout.write(output.endsWith('\n') ? output : `${output}\n`);
}
process.exit(results.every((r) => r.code === 0) ? 0 : 1);
