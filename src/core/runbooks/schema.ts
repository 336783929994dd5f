import { z } from 'zod';
import { ALERT_SOURCES } from '../alert.js';
import type { AlertSource } from '../alert.js';
import { parseCron } from './cron.js';
import { parseExpectation } from './expectation.js';

/** `15m`, `30s`, `2h`, `1d` → milliseconds. */
export const durationSchema = z
  .string()
  .regex(/^\d+(ms|s|m|h|d)$/, 'expected a duration such as 30s, 15m, 2h or 1d')
  .transform((value) => parseDuration(value));

export function parseDuration(value: string): number {
  const match = /^(\d+)(ms|s|m|h|d)$/.exec(value);
  if (!match) throw new Error(`not a duration: ${value}`);
  const n = Number(match[1]);
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[match[2] as 'ms' | 's' | 'm' | 'h' | 'd'];
  return n * unit;
}

const regexString = z.string().superRefine((value, ctx) => {
  try {
    new RegExp(value);
  } catch (err) {
    ctx.addIssue({ code: z.ZodIssueCode.custom, message: `not a valid regular expression: ${(err as Error).message}` });
  }
});

/** Every given part must match; label patterns are anchored. */
const matchRule = z
  .object({
    alertname: z.array(z.string().min(1)).min(1).optional(),
    labels: z.record(regexString).optional(),
    source: z.array(z.enum(ALERT_SOURCES as [AlertSource, ...AlertSource[]])).min(1).optional(),
  })
  .strict()
  .refine((m) => m.alertname || m.labels, 'match needs at least alertname or labels');

const ssmStep = z
  .object({
    document: z.string().regex(/^[A-Za-z0-9_.-]{3,128}$/, 'expected an SSM document name'),
    parameters: z.array(z.string()).default([]),
  })
  .strict();

/** A PromQL diagnostic: a range query over the last `range` (an instant query without it). */
const promqlStep = z
  .object({
    query: z.string().min(1),
    range: durationSchema.optional(),
    step: durationSchema.optional(),
    title: z.string().min(1).max(100),
  })
  .strict()
  .refine((q) => q.step === undefined || q.range !== undefined, { message: 'step needs range (an instant query has no step)', path: ['step'] });

const diagnosticStep = z
  .object({ ssm: ssmStep.optional(), promql: promqlStep.optional() })
  .strict()
  .refine((d) => Number(d.ssm !== undefined) + Number(d.promql !== undefined) === 1, 'a diagnostic step is either ssm: or promql:, not both or neither');

/** Checked after a successful action until it holds or `within` runs out. */
const verifyStep = z
  .object({
    promql: z.string().min(1),
    expect: z.string().refine((e) => parseExpectation(e) !== undefined, "expected a comparison such as '< 0.01' (<, <=, >, >=, ==, != and a number)"),
    within: durationSchema,
    /** How often it is checked (default 30s). */
    every: durationSchema.optional(),
  })
  .strict();

/** The targets of a scheduled run: a fixed list of label sets, or a read-only SSM document that lists them. */
const targetsSchema = z.union([
  z.array(z.record(z.string())).min(1, 'a fixed list of targets needs at least one'),
  z
    .object({
      ssm: z
        .object({
          document: z.string().regex(/^[A-Za-z0-9_.-]{3,128}$/, 'expected an SSM document name'),
          /** Literal parameter values (a scheduled run has no alert to render them from). */
          parameters: z.record(z.string()).default({}),
          /** The execution output that lists the targets, e.g. `CollectDiagnostics.Targets`: JSON objects of labels. */
          output: z.string().regex(/^[A-Za-z0-9]+\.[A-Za-z0-9]+$/, 'expected <StepName>.<OutputName>'),
        })
        .strict(),
    })
    .strict(),
]);

const cronString = z.string().superRefine((value, ctx) => {
  const parsed = parseCron(value);
  if (!parsed.ok) ctx.addIssue({ code: z.ZodIssueCode.custom, message: `not a cron schedule: ${parsed.reason}` });
});

export const runbookSchema = z
  .object({
    id: z.string().regex(/^[a-z0-9][a-z0-9-]{1,62}$/, 'expected lower-case letters, digits and dashes'),
    title: z.string().min(1),
    version: z.number().int().positive(),
    // One rule, or a list of alternatives (any may match); an empty list matches no alert, for
    // runbooks run only by hand (/remediate), such as the standalone rollbacks.
    match: z.union([matchRule.transform((rule) => [rule]), z.array(matchRule)]).optional(),
    /** Instead of match: runs on this cron schedule (UTC), once per target. */
    schedule: cronString.optional(),
    targets: targetsSchema.optional(),
    risk: z.enum(['low', 'medium', 'high']),
    reversible: z.boolean(),
    action_type: z.string().regex(/^[a-z0-9_-]{1,64}$/),
    service: z.string().min(1),
    target: z.string().min(1),
    parameters: z.record(
      z.string().regex(/^[A-Za-z][A-Za-z0-9]{0,63}$/, 'expected an SSM parameter name'),
      z.object({ from: z.string(), pattern: regexString }).strict(),
    ),
    diagnostics: z.array(diagnosticStep).default([]),
    action: z.object({ ssm: ssmStep }).strict(),
    rollback: z
      .object({ description: z.string().min(1), ssm: ssmStep.optional() })
      .strict()
      .optional(),
    cooldown: durationSchema.optional(),
    /** true: page the on-call as soon as it is proposed, whatever the severity (the catalogue asks it for some). */
    page: z.boolean().optional(),
    verify: verifyStep.optional(),
  })
  .strict()
  .superRefine((rb, ctx) => {
    if (rb.schedule !== undefined) {
      if (rb.targets === undefined) ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['targets'], message: 'a scheduled runbook needs targets: (a list, or an ssm: discovery document)' });
      if (rb.match !== undefined) ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['match'], message: 'a scheduled runbook has schedule and targets instead of match' });
    } else {
      if (rb.match === undefined) ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['match'], message: 'Required (or schedule: and targets: for a scheduled runbook)' });
      if (rb.targets !== undefined) ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['targets'], message: 'targets need a schedule' });
    }
    const declared = new Set(Object.keys(rb.parameters));
    const steps: [string, { parameters: string[] } | undefined][] = [
      ['action.ssm', rb.action.ssm],
      ['rollback.ssm', rb.rollback?.ssm],
      ...rb.diagnostics.map((d, i) => [`diagnostics.${i}.ssm`, d.ssm] as [string, { parameters: string[] } | undefined]),
    ];
    for (const [path, step] of steps) {
      for (const name of step?.parameters ?? []) {
        if (!declared.has(name)) {
          ctx.addIssue({ code: z.ZodIssueCode.custom, path: [...path.split('.'), 'parameters'], message: `parameter ${name} is not declared under parameters` });
        }
      }
    }
  })
  // A scheduled runbook matches no alert: it runs on its schedule, or by hand.
  .transform((rb) => ({ ...rb, match: rb.match ?? [] }));

export type Runbook = z.output<typeof runbookSchema>;
export type SsmStep = z.output<typeof ssmStep>;
export type PromqlStep = z.output<typeof promqlStep>;
export type DiagnosticStep = z.output<typeof diagnosticStep>;
export type VerifyStep = z.output<typeof verifyStep>;
export type Targets = z.output<typeof targetsSchema>;
export type MatchRule = z.output<typeof matchRule>;

/** One SSM document a runbook names, where, and the parameter names it passes to it. */
export interface NamedDocument {
  document: string;
  parameters: string[];
  /** `diagnostics` and `targets` documents must only read. */
  role: 'action' | 'rollback' | 'diagnostics' | 'targets';
}

/** Every SSM document a runbook names: its action, rollback, SSM diagnostics and target discovery. */
export function documentsOf(rb: Runbook): NamedDocument[] {
  const named: NamedDocument[] = [{ ...rb.action.ssm, role: 'action' }];
  if (rb.rollback?.ssm) named.push({ ...rb.rollback.ssm, role: 'rollback' });
  for (const d of rb.diagnostics) if (d.ssm) named.push({ ...d.ssm, role: 'diagnostics' });
  if (rb.targets && !Array.isArray(rb.targets)) named.push({ document: rb.targets.ssm.document, parameters: Object.keys(rb.targets.ssm.parameters), role: 'targets' });
  return named;
}
