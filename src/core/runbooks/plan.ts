import { createHash } from 'node:crypto';
import type { Runbook } from './schema.js';
import type { TemplateContext } from './template.js';
import { renderTemplate } from './template.js';
import { canonicalJson } from '../canonical-json.js';

export interface PlannedStep {
  document: string;
  parameters: Record<string, string>;
}

/** Exactly what an approval approves: one runbook version, one target, rendered parameters. */
export interface Plan {
  runbookId: string;
  runbookVersion: number;
  title: string;
  risk: Runbook['risk'];
  reversible: boolean;
  actionType: string;
  service: string;
  target: string;
  action: PlannedStep;
  diagnostics: PlannedStep[];
  rollback?: { description: string; step?: PlannedStep };
  cooldownMs?: number;
  /** sha256 of everything above: an approval is bound to it. */
  digest: string;
}

export type PlanResult =
  | { ok: true; plan: Plan }
  | { ok: false; code: 'PARAMETER_INVALID'; parameter: string; reason: string };

function pick(all: Record<string, string>, names: readonly string[]): Record<string, string> {
  return Object.fromEntries(names.map((n) => [n, all[n] ?? '']));
}

export function planDigest(plan: Omit<Plan, 'digest'>): string {
  return createHash('sha256').update(canonicalJson(plan)).digest('hex');
}

/**
 * Renders a runbook for one alert. Every rendered parameter is checked against its anchored
 * pattern before anything can run; the first failure stops the plan and names the parameter.
 */
export function renderPlan(runbook: Runbook, ctx: TemplateContext): PlanResult {
  const rendered: Record<string, string> = {};
  for (const [name, spec] of Object.entries(runbook.parameters)) {
    const value = renderTemplate(spec.from, ctx);
    if (!new RegExp(`^(?:${spec.pattern})$`).test(value)) {
      const shown = value === '' ? 'an empty value' : JSON.stringify(value.length > 80 ? `${value.slice(0, 80)}…` : value);
      return { ok: false, code: 'PARAMETER_INVALID', parameter: name, reason: `parameter ${name} rendered to ${shown}, which does not match ${spec.pattern}` };
    }
    rendered[name] = value;
  }
  const base: Omit<Plan, 'digest'> = {
    runbookId: runbook.id,
    runbookVersion: runbook.version,
    title: runbook.title,
    risk: runbook.risk,
    reversible: runbook.reversible,
    actionType: runbook.action_type,
    service: renderTemplate(runbook.service, ctx),
    target: renderTemplate(runbook.target, ctx),
    action: { document: runbook.action.ssm.document, parameters: pick(rendered, runbook.action.ssm.parameters) },
    diagnostics: runbook.diagnostics.map((d) => ({ document: d.ssm.document, parameters: pick(rendered, d.ssm.parameters) })),
  };
  if (runbook.rollback) {
    base.rollback = { description: runbook.rollback.description };
    if (runbook.rollback.ssm) base.rollback.step = { document: runbook.rollback.ssm.document, parameters: pick(rendered, runbook.rollback.ssm.parameters) };
  }
  if (runbook.cooldown !== undefined) base.cooldownMs = runbook.cooldown;
  if (!base.target) return { ok: false, code: 'PARAMETER_INVALID', parameter: 'target', reason: 'target rendered to an empty value' };
  return { ok: true, plan: { ...base, digest: planDigest(base) } };
}

/**
 * The plan that undoes `plan`: the runbook's rollback document on the same target with the same
 * rendered parameters. It is a plan of its own (own digest), so approving it approves exactly it.
 */
export function rollbackPlanOf(plan: Plan): Plan | undefined {
  const step = plan.rollback?.step;
  if (!step) return undefined;
  const { digest: _digest, rollback: _rollback, ...rest } = plan;
  const base: Omit<Plan, 'digest'> = { ...rest, title: `Roll back: ${plan.rollback?.description ?? plan.title}`, action: step, diagnostics: [] };
  return { ...base, digest: planDigest(base) };
}
