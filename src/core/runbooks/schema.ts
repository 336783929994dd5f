import { z } from 'zod';
import { ALERT_SOURCES } from '../alert.js';
import type { AlertSource } from '../alert.js';

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

export const runbookSchema = z
  .object({
    id: z.string().regex(/^[a-z0-9][a-z0-9-]{1,62}$/, 'expected lower-case letters, digits and dashes'),
    title: z.string().min(1),
    version: z.number().int().positive(),
    // One rule, or a list of alternatives (any may match); an empty list matches no alert, for
    // runbooks run only by hand (/remediate), such as the standalone rollbacks.
    match: z.union([matchRule.transform((rule) => [rule]), z.array(matchRule)]),
    risk: z.enum(['low', 'medium', 'high']),
    reversible: z.boolean(),
    action_type: z.string().regex(/^[a-z0-9_-]{1,64}$/),
    service: z.string().min(1),
    target: z.string().min(1),
    parameters: z.record(
      z.string().regex(/^[A-Za-z][A-Za-z0-9]{0,63}$/, 'expected an SSM parameter name'),
      z.object({ from: z.string(), pattern: regexString }).strict(),
    ),
    diagnostics: z.array(z.object({ ssm: ssmStep }).strict()).default([]),
    action: z.object({ ssm: ssmStep }).strict(),
    rollback: z
      .object({ description: z.string().min(1), ssm: ssmStep.optional() })
      .strict()
      .optional(),
    cooldown: durationSchema.optional(),
    /** true: page the on-call as soon as it is proposed, whatever the severity (the catalogue asks it for some). */
    page: z.boolean().optional(),
  })
  .strict()
  .superRefine((rb, ctx) => {
    const declared = new Set(Object.keys(rb.parameters));
    const steps: [string, { parameters: string[] } | undefined][] = [
      ['action.ssm', rb.action.ssm],
      ['rollback.ssm', rb.rollback?.ssm],
      ...rb.diagnostics.map((d, i) => [`diagnostics.${i}.ssm`, d.ssm] as [string, { parameters: string[] }]),
    ];
    for (const [path, step] of steps) {
      for (const name of step?.parameters ?? []) {
        if (!declared.has(name)) {
          ctx.addIssue({ code: z.ZodIssueCode.custom, path: [...path.split('.'), 'parameters'], message: `parameter ${name} is not declared under parameters` });
        }
      }
    }
  });

export type Runbook = z.output<typeof runbookSchema>;
export type SsmStep = z.output<typeof ssmStep>;
export type MatchRule = z.output<typeof matchRule>;
