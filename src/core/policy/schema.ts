import { z } from 'zod';
import { durationSchema } from '../runbooks/schema.js';

const authorityName = z.string().regex(/^[A-Z][A-Z0-9_]{1,63}$/, 'expected an upper-case authority name such as ON_CALL_SRE');

const authority = z
  .object({
    slack_users: z.array(z.string().regex(/^[UW][A-Z0-9]{2,}$/, 'expected a Slack user id such as U01ABCDEF')).default([]),
    slack_usergroups: z.array(z.string().regex(/^S[A-Z0-9]{2,}$/, 'expected a Slack user group id such as S01ABCDEF')).default([]),
    rate_per_minute: z.number().int().positive(),
  })
  .strict();

const riskRule = z
  .object({
    auto: z.boolean().default(false),
    approvals: z.number().int().min(0).max(5).default(0),
    approvers: z.array(authorityName).default([]),
    requester_may_approve: z.boolean().default(true),
    expires_after: durationSchema.optional(),
  })
  .strict()
  .refine((r) => r.auto || r.approvals > 0, 'a risk level needs auto: true or approvals of at least 1')
  .refine((r) => r.approvals === 0 || r.approvers.length > 0, 'approvals need a list of approvers');

export const policySchema = z
  .object({
    authorities: z.record(authorityName, authority),
    risk: z.object({ low: riskRule, medium: riskRule, high: riskRule }).strict(),
    kill_switch: z.object({ engage: z.array(authorityName).min(1), release: z.array(authorityName).min(1) }).strict(),
    action_types: z.record(z.string(), z.object({ rate_per_minute: z.number().int().positive() }).strict()).default({}),
    escalation: z.object({ approval_pending_after: durationSchema.optional() }).strict().default({}),
  })
  .strict()
  .superRefine((p, ctx) => {
    const known = new Set(Object.keys(p.authorities));
    const check = (names: string[], path: (string | number)[]) =>
      names.forEach((n, i) => {
        if (!known.has(n)) ctx.addIssue({ code: z.ZodIssueCode.custom, path: [...path, i], message: `unknown authority ${n}` });
      });
    for (const level of ['low', 'medium', 'high'] as const) check(p.risk[level].approvers, ['risk', level, 'approvers']);
    check(p.kill_switch.engage, ['kill_switch', 'engage']);
    check(p.kill_switch.release, ['kill_switch', 'release']);
  });

export type Policy = z.output<typeof policySchema>;
export type RiskLevel = keyof Policy['risk'];
