import { mentionOf } from '../core/policy/authority.js';
import { validApprovals } from '../core/policy/approval.js';
import type { Plan } from '../core/runbooks/plan.js';
import type { Proposal } from '../core/proposal.js';
import type { ServiceDeps } from './deps.js';

/** The guards, in the order they are checked (DESIGN §1). */
export const GUARD_ORDER = ['kill_switch', 'dry_run', 'cooldown', 'rate_limit', 'approval'] as const;
export type Guard = (typeof GUARD_ORDER)[number];

export type GuardVerdict = { allowed: true } | { allowed: false; guard: Guard; reason: string; retryAfterMs?: number };

export function killSwitchScopes(plan: Pick<Plan, 'service' | 'actionType'>): string[] {
  return ['global', `service:${plan.service}`, `action:${plan.actionType}`];
}

export function cooldownKey(plan: Pick<Plan, 'runbookId' | 'target'>): string {
  return `${plan.runbookId}#${plan.target}`;
}

function seconds(ms: number): string {
  return ms >= 120_000 ? `${Math.ceil(ms / 60_000)} min` : `${Math.ceil(ms / 1000)} s`;
}

/** A guard that cannot decide refuses: the store being down never lets an action through. */
function undecided(guard: Guard, err: unknown): GuardVerdict {
  return { allowed: false, guard, reason: `${guard.replace('_', ' ')} could not be checked (${(err as Error).message}); refusing` };
}

/** How long a guard may take to decide before it refuses (its store calls time out sooner). */
export const GUARD_DECISION_MS = 5000;

/** `work`, or a rejection once `ms` have passed: a guard that cannot decide in time refuses. */
function inTime<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([work, late]).finally(() => clearTimeout(timer));
}

/** Kill switches: global, this service, this action type. Strongly consistent read, no cache. */
export async function checkKillSwitches(deps: ServiceDeps, plan: Pick<Plan, 'service' | 'actionType'>): Promise<GuardVerdict> {
  try {
    const engaged = await inTime(deps.killSwitches.engaged(killSwitchScopes(plan)), deps.guardTimeoutMs ?? GUARD_DECISION_MS);
    const sw = engaged[0];
    if (!sw) return { allowed: true };
    return { allowed: false, guard: 'kill_switch', reason: `kill switch ${sw.scope} is engaged (by ${mentionOf(sw.by)} at ${sw.at}${sw.reason ? `: ${sw.reason}` : ''})` };
  } catch (err) {
    return undecided('kill_switch', err);
  }
}

/**
 * Who a run's cooldown belongs to. A rollback has the same runbook and target as the failed run it
 * undoes, so it acts under (and extends) that run's cooldown: otherwise the failure's own cooldown
 * would block the rollback it offers.
 */
function cooldownOwner(p: Proposal): string {
  return p.rollbackOf ?? p.id;
}

async function checkCooldown(deps: ServiceDeps, p: Proposal): Promise<GuardVerdict> {
  if (!p.plan.cooldownMs) return { allowed: true };
  try {
    const active = await inTime(deps.cooldowns.get(cooldownKey(p.plan)), deps.guardTimeoutMs ?? GUARD_DECISION_MS);
    if (!active || active.owner === cooldownOwner(p)) return { allowed: true };
    const retryAfterMs = Date.parse(active.until) - deps.clock.now().getTime();
    return { allowed: false, guard: 'cooldown', retryAfterMs, reason: `${p.plan.runbookId} ran on ${p.plan.target} recently; cooldown ends in ${seconds(retryAfterMs)} (${active.until})` };
  } catch (err) {
    return undecided('cooldown', err);
  }
}

async function checkRateLimits(deps: ServiceDeps, p: Proposal, authority: string): Promise<GuardVerdict> {
  const { policy } = deps.catalogue;
  const buckets: [string, number][] = [];
  const perAuthority = policy.authorities[authority]?.rate_per_minute;
  if (perAuthority) buckets.push([`authority:${authority}`, perAuthority]);
  const perAction = policy.action_types[p.plan.actionType]?.rate_per_minute;
  if (perAction) buckets.push([`action:${p.plan.actionType}`, perAction]);
  try {
    for (const [bucket, rate] of buckets) {
      const decision = await inTime(deps.rateLimits.take(bucket, rate, rate), deps.guardTimeoutMs ?? GUARD_DECISION_MS);
      if (!decision.granted) {
        return { allowed: false, guard: 'rate_limit', retryAfterMs: decision.retryAfterMs, reason: `rate limit ${bucket} (${rate}/min) reached; try again in ${seconds(decision.retryAfterMs)}` };
      }
    }
    return { allowed: true };
  } catch (err) {
    return undecided('rate_limit', err);
  }
}

function checkApprovals(deps: ServiceDeps, p: Proposal): GuardVerdict {
  const valid = validApprovals(p.plan, p.approvals);
  const rule = deps.catalogue.policy.risk[p.plan.risk];
  if (valid.length < p.approvalsRequired) return { allowed: false, guard: 'approval', reason: `${valid.length} of ${p.approvalsRequired} approvals for this exact plan` };
  if (!rule.requester_may_approve && valid.some((a) => a.userId === p.requestedBy)) return { allowed: false, guard: 'approval', reason: 'the requester approved their own high-risk request' };
  return { allowed: true };
}

async function claimCooldown(deps: ServiceDeps, p: Proposal): Promise<GuardVerdict> {
  if (!p.plan.cooldownMs) return { allowed: true };
  try {
    const until = new Date(deps.clock.now().getTime() + p.plan.cooldownMs);
    if (await inTime(deps.cooldowns.claim(cooldownKey(p.plan), cooldownOwner(p), until), deps.guardTimeoutMs ?? GUARD_DECISION_MS)) return { allowed: true };
    return { allowed: false, guard: 'cooldown', reason: `${p.plan.runbookId} on ${p.plan.target} was just started by another action` };
  } catch (err) {
    return undecided('cooldown', err);
  }
}

/**
 * Ends the cooldown a run claimed (its claim moved to now, so it has expired): for a run that
 * changed nothing. A failure to write it is logged; the cooldown then simply runs its course.
 */
export async function releaseCooldown(deps: Pick<ServiceDeps, 'cooldowns' | 'clock' | 'log'>, p: Proposal): Promise<void> {
  if (!p.plan.cooldownMs) return;
  await deps.cooldowns.claim(cooldownKey(p.plan), cooldownOwner(p), deps.clock.now()).catch((err: unknown) => deps.log.warn({ err, proposalId: p.id }, 'could not end the cooldown of a skipped run'));
}

/**
 * Every path that starts an action passes here, in this order: kill switch → dry-run → cooldown →
 * rate limit → approvals; then the cooldown is claimed for this action. `authority` is who pays
 * the rate-limit token: the last approver's authority, the requester's, or AUTO_ENGINE.
 */
export async function runGuardChain(deps: ServiceDeps, p: Proposal, authority: string): Promise<GuardVerdict> {
  const kill = await checkKillSwitches(deps, p.plan);
  if (!kill.allowed) return kill;
  if (deps.dryRun) return { allowed: false, guard: 'dry_run', reason: 'DRY_RUN=true: recorded what would run, nothing was executed' };
  const cooldown = await checkCooldown(deps, p);
  if (!cooldown.allowed) return cooldown;
  const rate = await checkRateLimits(deps, p, authority);
  if (!rate.allowed) return rate;
  const approvals = checkApprovals(deps, p);
  if (!approvals.allowed) return approvals;
  return claimCooldown(deps, p);
}
