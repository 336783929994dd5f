import { performance } from 'node:perf_hooks';
import type { Catalogue } from '../../src/config/load-catalogue.js';
import type { Proposal } from '../../src/core/proposal.js';
import { runGuardChain } from '../../src/services/guard-chain.js';
import type { GuardVerdict } from '../../src/services/guard-chain.js';
import { USERS } from '../../test/e2e/harness.js';
import { approvedProposal, approvedStopStart } from '../approved-proposals.js';
import { closeBenchHarness, startBenchHarness, warnings } from '../bench-harness.js';
import { exactTarget, latencyRows } from '../row.js';
import type { Row, Scenario } from '../row.js';

const CALLS = 1000;
const AUTHORITY = 'ON_CALL_SRE';
/** Issue 3: every action waits for the chain before it starts. */
const P99_TARGET_MS = 20;
/**
 * Calls before the clock starts, on buckets the measured calls never touch (EMERGENCY_OVERRIDE,
 * network_change): they compile the chain's code and dynalite's paths, allowed and refused, so
 * the first measured calls are not the ones paying for it.
 */
const WARM_UP_CALLS = 50;
/** Calls per simulated minute beyond the action:restart bucket's size: these are refused. */
const OVER_BUDGET_PER_ROUND = 5;

/** The system clock, plus however far the scenario has moved it on. */
function movableClock(): { now(): Date; advance(ms: number): void } {
  let offsetMs = 0;
  return {
    now: () => new Date(Date.now() + offsetMs),
    advance(ms) {
      offsetMs += ms;
    },
  };
}

/** sg-revoke-open-ssh (high risk: two approvers, action type network_change) on group `n`. */
function warmUpProposal(catalogue: Catalogue, n: number): Proposal {
  return approvedProposal(catalogue, 'sg-revoke-open-ssh', { alertname: 'SecurityGroupOpenSSHToWorld', group_id: `sg-${n.toString(16).padStart(17, '0')}` }, [
    { userId: USERS.sre, authority: 'ON_CALL_SRE' },
    { userId: USERS.emergency, authority: 'EMERGENCY_OVERRIDE' },
  ]);
}

/** "allowed", or the guard that refused; for a rate limit, which bucket. */
function outcomeOf(verdict: GuardVerdict): string {
  if (verdict.allowed) return 'allowed';
  if (verdict.guard === 'rate_limit') return `rate_limit ${/^rate limit (\S+)/.exec(verdict.reason)?.[1] ?? '?'}`;
  return verdict.guard;
}

/**
 * 1,000 sequential `runGuardChain` calls as ON_CALL_SRE on approved ec2-stop-start-instance
 * proposals for 1,000 distinct instances (so no call meets another's cooldown), against the
 * embedded store with DRY_RUN=false. An allowed call reads the kill switches (one consistent
 * BatchGet) and the cooldown, takes a token from the authority's bucket and the action type's,
 * checks the approvals and claims the cooldown. The shipped policy lets restarts through 20 a
 * minute, so the calls go in rounds of one simulated minute: 20 the action:restart bucket allows,
 * then 5 it refuses (having already taken an ON_CALL_SRE token, and reading the bucket again to try
 * a refill); then the bot's clock moves on a minute and the next round's first take refills it.
 * The clock only decides how many tokens a refill adds: every store read and write is real.
 */
export const guardChainScenario: Scenario = {
  name: `Guard chain latency, ${CALLS} sequential runGuardChain calls as ${AUTHORITY} (DRY_RUN=false)`,
  async run(): Promise<Row[]> {
    const clock = movableClock();
    const h = await startBenchHarness({ DRY_RUN: 'false' }, { clock });
    try {
      const { deps } = h.bot;
      for (let i = 0; i < WARM_UP_CALLS; i++) await runGuardChain(deps, warmUpProposal(deps.catalogue, i), 'EMERGENCY_OVERRIDE');
      const proposals = Array.from({ length: CALLS }, (_, i) => approvedStopStart(deps.catalogue, i));
      const perMinute = deps.catalogue.policy.action_types[proposals[0]!.plan.actionType]?.rate_per_minute;
      if (!perMinute) throw new Error(`policy.yaml sets no rate_per_minute for action type ${proposals[0]!.plan.actionType}: the rounds below assume one`);
      const round = perMinute + OVER_BUDGET_PER_ROUND;
      const calls: { ms: number; outcome: string }[] = [];
      for (const [i, proposal] of proposals.entries()) {
        if (i > 0 && i % round === 0) clock.advance(60_000);
        const started = performance.now();
        const verdict = await runGuardChain(deps, proposal, AUTHORITY);
        calls.push({ ms: performance.now() - started, outcome: outcomeOf(verdict) });
      }

      const allowed = calls.filter((c) => c.outcome === 'allowed');
      const refused = calls.filter((c) => c.outcome !== 'allowed');
      const refusedBy = new Map<string, number>();
      for (const c of refused) refusedBy.set(c.outcome, (refusedBy.get(c.outcome) ?? 0) + 1);
      const expectedAllowed = Math.floor(CALLS / round) * perMinute + Math.min(CALLS % round, perMinute);
      return [
        ...latencyRows(`guard chain, all ${CALLS} calls`, calls.map((c) => c.ms), P99_TARGET_MS),
        ...latencyRows('guard chain, allowed (every guard + cooldown claim)', allowed.map((c) => c.ms), P99_TARGET_MS),
        ...latencyRows('guard chain, refused', refused.map((c) => c.ms), P99_TARGET_MS),
        exactTarget(`guard chain, first ${perMinute} calls allowed by every guard`, calls.slice(0, perMinute).filter((c) => c.outcome === 'allowed').length, 'calls', perMinute),
        exactTarget('guard chain calls allowed', allowed.length, 'calls', expectedAllowed),
        ...[...refusedBy].map(([outcome, n]) => ({ name: `guard chain calls refused by ${outcome}`, value: n, unit: 'calls' })),
        { name: 'guard chain warnings logged', value: warnings(h.logs), unit: 'lines' },
      ];
    } finally {
      await closeBenchHarness(h);
    }
  },
};
