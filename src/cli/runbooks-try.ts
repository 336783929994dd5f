import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { CatalogueError, loadCatalogue } from '../config/load-catalogue.js';
import { detectAlerts, tryAlerts } from '../core/runbooks/try-alert.js';
import type { PayloadKind, TriedAlert } from '../core/runbooks/try-alert.js';
import type { PlannedStep } from '../core/runbooks/plan.js';

/**
 * `npm run runbooks:try -- <alert.json> [--json]`: which runbooks an alert payload matches and the
 * plan each would propose (target, documents, parameters, risk, approvals, cooldown). It reads the
 * catalogue (RUNBOOKS_DIR, POLICY_FILE) and the file, and calls nothing.
 *
 * Exit codes: 0 evaluated (whether or not anything matched); 64 no file given; 66 the file cannot
 * be read; 65 the file is not a payload the bot takes (the message names the field); 78 the
 * catalogue is invalid (as at start-up).
 */
const KIND_NAMES: Record<PayloadKind, string> = {
  alertmanager: 'Alertmanager webhook (version 4)',
  'cloudwatch-sns': 'CloudWatch alarm through SNS',
  'cloudwatch-eventbridge': 'CloudWatch alarm through EventBridge',
  eventbridge: 'EventBridge event',
  generic: 'generic alert',
};

function fail(code: number, message: string): never {
  console.error(`runbooks:try: ${message}`);
  process.exit(code);
}

function step(s: PlannedStep): string {
  const params = Object.entries(s.parameters).map(([k, v]) => `${k}=${v}`);
  return [s.document, ...params].join(' ');
}

function duration(ms: number | undefined): string {
  if (ms === undefined) return 'none';
  for (const [unit, size] of [['d', 86_400_000], ['h', 3_600_000], ['m', 60_000], ['s', 1000]] as const) if (ms % size === 0 && ms >= size) return `${ms / size}${unit}`;
  return `${ms}ms`;
}

function render(tried: TriedAlert[]): string[] {
  const lines: string[] = [];
  for (const { alert, runbooks } of tried) {
    const labels = Object.entries(alert.labels).map(([k, v]) => `${k}=${v}`).join(' ');
    lines.push('', `alert ${alert.name} (${alert.status}, severity ${alert.severity})`, `  labels ${labels}`);
    if (alert.status !== 'firing') lines.push('  resolved: nothing is proposed for it');
    else if (runbooks.length === 0) lines.push('  no runbook matches (the bot records runbook.none; a critical incident pages)');
    for (const { runbook, result } of runbooks) {
      if (!result.ok) {
        lines.push(`  ✗ ${runbook.id} v${runbook.version} matches, but no plan: ${result.reason} (parameter ${result.parameter}); nothing would run`);
        continue;
      }
      const plan = result.plan;
      lines.push(`  ✓ ${runbook.id} v${runbook.version}: ${plan.title}`);
      lines.push(`      target       ${plan.target}`);
      lines.push(`      risk         ${plan.risk}${plan.reversible ? ', reversible' : ', not reversible'}; action type ${plan.actionType}; service ${plan.service}`);
      lines.push(`      approvals    ${result.approvals === 0 ? 'none: runs by itself' : `${result.approvals} from ${result.approvers.join(' or ')}`}`);
      for (const d of plan.diagnostics) lines.push(`      diagnostics  ${step(d)}`);
      for (const q of plan.queries ?? []) lines.push(`      promql       ${q.title}: ${q.query}${q.rangeMs !== undefined ? ` over ${duration(q.rangeMs)} every ${duration(q.stepMs)}` : ' (instant)'}${q.problem ? ` — not sent: ${q.problem}` : ''}`);
      lines.push(`      action       ${step(plan.action)}`);
      if (plan.rollback) lines.push(`      rollback     ${plan.rollback.step ? `${step(plan.rollback.step)} — ` : ''}${plan.rollback.description}`);
      if (plan.verify) lines.push(`      verify       ${plan.verify.query} ${plan.verify.expect} within ${duration(plan.verify.withinMs)}${plan.verify.problem ? ` — cannot be checked: ${plan.verify.problem}` : ''}`);
      lines.push(`      cooldown     ${duration(plan.cooldownMs)}`);
      lines.push(`      plan digest  ${plan.digest}`);
    }
  }
  return lines;
}

const args = process.argv.slice(2);
const file = args.find((a) => !a.startsWith('--'));
if (!file) fail(64, 'usage: npm run runbooks:try -- <alert.json> [--json]   (an Alertmanager v4 payload, a CloudWatch alarm through SNS or EventBridge, an EventBridge event or a generic alert)');

let text: string;
try {
  text = await readFile(file, 'utf8');
} catch (err) {
  fail(66, `cannot read ${file}: ${(err as Error).message}`);
}
let body: unknown;
try {
  body = JSON.parse(text);
} catch (err) {
  fail(65, `${file} is not JSON: ${(err as Error).message}`);
}

const runbooksDir = process.env.RUNBOOKS_DIR || './runbooks';
const policyFile = process.env.POLICY_FILE || path.join(runbooksDir, 'policy.yaml');
let catalogue;
try {
  catalogue = await loadCatalogue(runbooksDir, policyFile);
} catch (err) {
  if (err instanceof CatalogueError) fail(78, `the runbook catalogue is invalid (run npm run runbooks:lint):\n  ${err.problems.join('\n  ')}`);
  throw err;
}

const detected = detectAlerts(body, new Date().toISOString());
if (!detected.ok) fail(65, `${file}${detected.kind ? ` (read as ${KIND_NAMES[detected.kind]})` : ''}: ${detected.message}`);
const tried = tryAlerts(detected.alerts, catalogue.runbooks, catalogue.policy);

if (args.includes('--json')) {
  console.log(JSON.stringify({ kind: detected.kind, note: detected.note, alerts: tried.map(({ alert, runbooks }) => ({ name: alert.name, status: alert.status, labels: alert.labels, runbooks: runbooks.map(({ runbook, result }) => ({ id: runbook.id, ...result })) })) }, null, 2));
} else {
  const matched = tried.reduce((n, t) => n + t.runbooks.length, 0);
  console.log(`${file}: ${KIND_NAMES[detected.kind]}, ${detected.alerts.length} alert(s), ${matched} matching runbook(s) in ${runbooksDir}. Nothing was called.`);
  if (detected.note) console.log(`note: ${detected.note}`);
  for (const line of render(tried)) console.log(line);
}
