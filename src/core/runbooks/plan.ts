import { createHash } from 'node:crypto';
import type { Runbook } from './schema.js';
import type { TemplateContext } from './template.js';
import { renderTemplate } from './template.js';
import { renderPromql } from './promql-template.js';
import { canonicalJson } from '../canonical-json.js';

export interface PlannedStep {
  document: string;
  parameters: Record<string, string>;
}

/** A PromQL diagnostic, rendered: `problem` says why it cannot be sent (an empty label, say). */
export interface PlannedQuery {
  title: string;
  query: string;
  /** A range query over this long before now, in `stepMs` steps; an instant query without it. */
  rangeMs?: number;
  stepMs?: number;
  problem?: string;
}

/** The check after a successful action: `expect` holds for the query within `withinMs`. */
export interface PlannedVerify {
  query: string;
  expect: string;
  withinMs: number;
  everyMs: number;
  problem?: string;
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
  /** PromQL diagnostics (absent when the runbook has none, so older plans keep their digest). */
  queries?: PlannedQuery[];
  verify?: PlannedVerify;
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

const DEFAULT_VERIFY_EVERY_MS = 30_000;

function plannedQuery(step: NonNullable<Runbook['diagnostics'][number]['promql']>, ctx: TemplateContext): PlannedQuery {
  const q = renderPromql(step.query, ctx);
  return {
    title: step.title,
    query: q.query,
    ...(step.range !== undefined ? { rangeMs: step.range, stepMs: step.step ?? Math.max(15_000, Math.round(step.range / 60)) } : {}),
    ...(q.ok ? {} : { problem: q.reason }),
  };
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
    diagnostics: runbook.diagnostics.flatMap((d) => (d.ssm ? [{ document: d.ssm.document, parameters: pick(rendered, d.ssm.parameters) }] : [])),
  };
  const queries = runbook.diagnostics.flatMap((d) => (d.promql ? [plannedQuery(d.promql, ctx)] : []));
  if (queries.length > 0) base.queries = queries;
  if (runbook.verify) {
    const q = renderPromql(runbook.verify.promql, ctx);
    base.verify = { query: q.query, expect: runbook.verify.expect.trim(), withinMs: runbook.verify.within, everyMs: runbook.verify.every ?? DEFAULT_VERIFY_EVERY_MS, ...(q.ok ? {} : { problem: q.reason }) };
  }
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
  // The rollback has no diagnostics and no verification of its own: those speak of the action.
  const { digest: _digest, rollback: _rollback, queries: _queries, verify: _verify, ...rest } = plan;
  const base: Omit<Plan, 'digest'> = { ...rest, title: `Roll back: ${plan.rollback?.description ?? plan.title}`, action: step, diagnostics: [] };
  return { ...base, digest: planDigest(base) };
}
