import type { Policy } from './schema.js';

/** The automation engine's own authority, for runs nobody clicked. */
export const AUTO_ENGINE = 'AUTO_ENGINE';

export interface Actor {
  userId: string;
  /** Slack user groups the user belongs to, when known. */
  usergroups?: readonly string[];
}

/** Every authority the policy grants this Slack user, in policy order. */
export function authoritiesOf(policy: Policy, actor: Actor): string[] {
  return Object.entries(policy.authorities)
    .filter(([, a]) => a.slack_users.includes(actor.userId) || (actor.usergroups ?? []).some((g) => a.slack_usergroups.includes(g)))
    .map(([name]) => name);
}

/** The first of `allowed` this actor holds, or undefined. */
export function authorityFor(policy: Policy, actor: Actor, allowed: readonly string[]): string | undefined {
  return authoritiesOf(policy, actor).find((a) => allowed.includes(a));
}
