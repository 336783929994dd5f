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

/**
 * Someone acting on the bot, wherever the request came from: a Slack user (whose authorities come
 * from the policy's lists) or an operator of the HTTP API (whose authorities come from their
 * sign-in: OIDC claims, the static OPERATOR_TOKEN, or loopback access).
 */
export interface Operator {
  /** The audit record's `operator`: a Slack user ID, `oidc:<subject>`, `operator-token` or `loopback`. */
  id: string;
  /** How a message names them: a Slack mention for a Slack user, a plain name otherwise. */
  display: string;
  /** The policy authorities they hold, in policy order. */
  authorities: readonly string[];
  /** The audit record's `trigger`: where the request came from. */
  via: 'slack' | 'api';
}

const SLACK_USER_ID = /^[UW][A-Z0-9]{2,}$/;

/** `<@U…>` for a Slack user ID, so Slack renders the person; anything else as it is. */
export function mentionOf(id: string): string {
  return SLACK_USER_ID.test(id) ? `<@${id}>` : id;
}

/** A Slack user as an operator: the authorities the policy grants them. */
export function slackOperator(policy: Policy, actor: Actor): Operator {
  return { id: actor.userId, display: mentionOf(actor.userId), authorities: authoritiesOf(policy, actor), via: 'slack' };
}

/** The names among `claimed` that are authorities of the policy, in policy order; others are ignored. */
export function authoritiesNamed(policy: Policy, claimed: Iterable<string>): string[] {
  const wanted = new Set(claimed);
  return Object.keys(policy.authorities).filter((name) => wanted.has(name));
}
