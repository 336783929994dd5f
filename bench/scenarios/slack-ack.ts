import type { Incident } from '../../src/core/incident.js';
import type { Proposal } from '../../src/core/proposal.js';
import { USERS } from '../../test/e2e/harness.js';
import type { Harness } from '../../test/e2e/harness.js';
import { firingPayload } from '../alertmanager-payloads.js';
import { closeBenchHarness, startBenchHarness, warnings } from '../bench-harness.js';
import { eventLoopRows, watchEventLoop } from '../event-loop.js';
import { closedLoop } from '../load.js';
import { percentile } from '../percentiles.js';
import { exactTarget, latencyRows } from '../row.js';
import type { Row, Scenario } from '../row.js';

const PROPOSALS = 100;
const CONCURRENCY = 4;
/** Clicks sent one at a time on an idle bot first: what the ack costs when nothing competes with it. */
const IDLE_CLICKS = 20;
/** Slack gives up on an interaction after 3 s; the ack should be far inside that, whatever the load. */
const P99_TARGET_MS = 100;

type IncidentList = { incidents: (Incident & { proposals: Proposal[] })[] };

/** One EC2 incident per proposal (group kind 0 of the payloads is EC2InstanceStatusCheckFailed, medium risk). */
async function openPendingProposals(h: Harness): Promise<Proposal[]> {
  const opened = await closedLoop(PROPOSALS, 10, (i) => h.postAlert('/alerts/alertmanager', firingPayload({ group: 3 * i, index: 0 })));
  if (opened.failures > 0) throw new Error(`could not open the incidents to click on: ${opened.errors.join('; ')}`);
  await h.settle();
  const { incidents } = await h.api<IncidentList>(`/api/incidents?status=open&limit=${PROPOSALS * 2}`);
  const pending = incidents.flatMap((i) => i.proposals).filter((p) => p.status === 'pending_approval' && p.plan.runbookId === 'ec2-stop-start-instance');
  if (pending.length !== PROPOSALS) throw new Error(`expected ${PROPOSALS} pending ec2-stop-start-instance proposals, found ${pending.length}`);
  return pending;
}

/** Stranger clicks one at a time, each after the previous one's background work is done. */
async function idleAcks(h: Harness, proposals: readonly Proposal[]): Promise<number[]> {
  const ms: number[] = [];
  for (let i = 0; i < IDLE_CLICKS; i++) {
    const one = await closedLoop(1, 1, () => h.click('approve_proposal', proposals[i % proposals.length]!.id, USERS.stranger));
    ms.push(...one.samples.map((s) => s.ms));
    await h.settle();
  }
  return ms;
}

/** Lag of an operator's click behind the stranger's click on the same proposal, in clicks. */
const OPERATOR_LAG = 2 * CONCURRENCY;

/**
 * A stranger's click and an operator's on each proposal, interleaved, the operator's coming
 * OPERATOR_LAG clicks after the stranger's. Side by side, the operator's click could be handled
 * first, and the stranger would then be told the proposal is no longer pending instead of being
 * refused by policy: the count of refusals below would be a race.
 */
function strangerThenOperator(proposals: readonly Proposal[]): { proposalId: string; user: string }[] {
  const clicks: { proposalId: string; user: string }[] = [];
  for (let i = 0; i < proposals.length + OPERATOR_LAG; i++) {
    if (i < proposals.length) clicks.push({ proposalId: proposals[i]!.id, user: USERS.stranger });
    if (i >= OPERATOR_LAG) clicks.push({ proposalId: proposals[i - OPERATOR_LAG]!.id, user: USERS.operator });
  }
  return clicks;
}

/**
 * 200 signed `block_actions` Approve clicks on 100 pending medium-risk proposals: on each, first a
 * stranger (refused by policy, audited) and then an allowed operator (approves it, which runs it
 * as a dry run). Latency is request → HTTP answer, i.e. the ack; the work behind each click goes on
 * in the background and competes with the next clicks for the CPU, as it would in production.
 */
export const slackAckScenario: Scenario = {
  name: `Slack ack, ${PROPOSALS * 2} signed Approve clicks, concurrency ${CONCURRENCY}`,
  async run(): Promise<Row[]> {
    const h = await startBenchHarness();
    try {
      const proposals = await openPendingProposals(h);
      const idle = await idleAcks(h, proposals);
      const clicks = strangerThenOperator(proposals);
      const stopWatching = watchEventLoop();
      const result = await closedLoop(clicks.length, CONCURRENCY, (i) => h.click('approve_proposal', clicks[i]!.proposalId, clicks[i]!.user));
      const eventLoop = stopWatching();
      await h.settle();
      if (result.errors.length > 0) console.error(`\nslack ack: first failures:\n  ${result.errors.join('\n  ')}`);

      const msOf = (user: string) => result.samples.filter((s) => clicks[s.index]!.user === user).map((s) => s.ms);
      const { incidents } = await h.api<IncidentList>(`/api/incidents?limit=${PROPOSALS * 2}`);
      const ranDry = incidents.flatMap((i) => i.proposals).filter((p) => p.status === 'dry_run').length;
      const { records } = await h.api<{ records: unknown[] }>('/api/audit?kind=approval.refused&n=1000');
      return [
        ...latencyRows(`slack ack, allowed ${USERS.operator}`, msOf(USERS.operator), P99_TARGET_MS),
        ...latencyRows(`slack ack, stranger ${USERS.stranger}`, msOf(USERS.stranger), P99_TARGET_MS),
        ...latencyRows('slack ack, all clicks', result.samples.map((s) => s.ms), P99_TARGET_MS),
        { name: `slack ack, idle bot (${IDLE_CLICKS} lone clicks) p50`, value: percentile(idle, 50), unit: 'ms' },
        exactTarget('slack ack non-2xx answers', result.failures, 'requests', 0),
        exactTarget('slack approvals that ran (dry run)', ranDry, 'proposals', PROPOSALS),
        exactTarget('slack stranger clicks refused and audited', records.length, 'records', PROPOSALS + IDLE_CLICKS),
        ...eventLoopRows('slack ack', eventLoop),
        { name: 'slack ack warnings logged', value: warnings(h.logs), unit: 'lines' },
      ];
    } finally {
      await closeBenchHarness(h);
    }
  },
};
