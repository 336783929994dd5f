import { describe, expect, it } from 'vitest';
import { policySchema } from '../../src/core/policy/schema.js';
import { approvalsRequired, assessApproval, validApprovals } from '../../src/core/policy/approval.js';
import type { Plan } from '../../src/core/runbooks/plan.js';

const policyInput = {
  authorities: {
    ON_CALL_SRE: { slack_users: ['U01ABCDEF'], slack_usergroups: ['S01ABCDEF'], rate_per_minute: 120 },
    HUMAN_OPERATOR: { slack_users: ['U02ABCDEF'], rate_per_minute: 60 },
    EMERGENCY_OVERRIDE: { slack_users: ['U03ABCDEF'], rate_per_minute: 30 },
    AUTO_ENGINE: { rate_per_minute: 100 },
  },
  risk: {
    low: { auto: true },
    medium: { approvals: 1, approvers: ['ON_CALL_SRE', 'HUMAN_OPERATOR'], expires_after: '30m' },
    high: { approvals: 2, approvers: ['ON_CALL_SRE', 'EMERGENCY_OVERRIDE'], requester_may_approve: false, expires_after: '15m' },
  },
  kill_switch: { engage: ['ON_CALL_SRE'], release: ['ON_CALL_SRE'] },
};
const policy = policySchema.parse(policyInput);

const plan = (risk: Plan['risk'], reversible = true) => ({ risk, reversible, digest: 'd1' }) as Plan;

describe('approval policy', () => {
  it.each([
    ['low', true, 0],
    ['low', false, 1],
    ['medium', true, 1],
    ['high', false, 2],
  ] as const)('%s risk, reversible %s, needs %i approvals', (risk, reversible, n) => {
    expect(approvalsRequired(policy, plan(risk, reversible))).toBe(n);
  });

  it.each([
    ['an operator on medium', 'U02ABCDEF', 'medium', true],
    ['a stranger on medium', 'U09NOBODY', 'medium', false],
    ['an operator on high (not an approver)', 'U02ABCDEF', 'high', false],
    ['the emergency override on high', 'U03ABCDEF', 'high', true],
  ] as const)('allows %s: %s', (_label, user, risk, allowed) => {
    expect(assessApproval(policy, plan(risk), { userId: user }, 'automated', []).allowed).toBe(allowed);
  });

  it('grants authority through a Slack user group', () => {
    expect(assessApproval(policy, plan('high'), { userId: 'U07GROUPIE', usergroups: ['S01ABCDEF'] }, 'automated', [])).toMatchObject({ allowed: true, authority: 'ON_CALL_SRE' });
  });

  it('refuses the requester on a high-risk runbook', () => {
    expect(assessApproval(policy, plan('high'), { userId: 'U01ABCDEF' }, 'U01ABCDEF', [])).toMatchObject({ allowed: false, code: 'REQUESTER_MAY_NOT_APPROVE' });
  });

  it('refuses a second approval by the same person', () => {
    const first = { userId: 'U01ABCDEF', authority: 'ON_CALL_SRE', at: 't', planDigest: 'd1' };
    expect(assessApproval(policy, plan('high'), { userId: 'U01ABCDEF' }, 'automated', [first])).toMatchObject({ allowed: false, code: 'ALREADY_APPROVED' });
  });

  it('counts only approvals of the current plan, one per person', () => {
    const approvals = [
      { userId: 'A', authority: 'X', at: 't', planDigest: 'd1' },
      { userId: 'A', authority: 'X', at: 't', planDigest: 'd1' },
      { userId: 'B', authority: 'X', at: 't', planDigest: 'old' },
    ];
    expect(validApprovals(plan('high'), approvals).map((a) => a.userId)).toEqual(['A']);
  });

  it('rejects a policy that names an unknown authority', () => {
    const bad = policySchema.safeParse({ ...policyInput, kill_switch: { engage: ['NOBODY'], release: ['ON_CALL_SRE'] } });
    expect(bad.success).toBe(false);
    expect(JSON.stringify(bad.error?.issues)).toContain('unknown authority NOBODY');
  });
});
