import { startHarness, USERS } from '../../test/e2e/harness.js';
import type { Harness } from '../../test/e2e/harness.js';
import type { Incident } from '../../src/core/incident.js';
import type { Proposal } from '../../src/core/proposal.js';
import { firingPayload } from '../alertmanager-payloads.js';
import { closedLoop } from '../load.js';
import { exactTarget, latencyRows } from '../row.js';
import type { Row, Scenario } from '../row.js';
import { BENCH_ENV, warnings } from './bench-env.js';

const PROPOSALS = 100;
const CONCURRENCY = 4;
/** Slack gives up on an interaction after 3 s; the ack should be far inside that, whatever the load. */
const P99_TARGET_MS = 100;

type IncidentList = { incidents: (Incident & { proposals: Proposal[] })[] };

/** One EC2 incident per proposal (group kind 0 of the payloads is EC2InstanceStatusCheckFailed, medium risk). */
async function openPendingProposals(h: Harness): Promise<Proposal[]> {
  const send = (i: number) => h.postAlert('/alerts/alertmanager', firingPayload({ group: 3 * i, index: 0 }));
  const opened = await closedLoop(PROPOSALS, 10, send);
  if (opened.failures > 0) throw new Error(`could not open the incidents to click on: ${opened.errors.join('; ')}`);
  await h.settle();
  const { incidents } = await h.api<IncidentList>(`/api/incidents?status=open&limit=${PROPOSALS * 2}`);
  const pending = incidents.flatMap((i) => i.proposals).filter((p) => p.status === 'pending_approval' && p.plan.runbookId === 'ec2-stop-start-instance');
  if (pending.length !== PROPOSALS) throw new Error(`expected ${PROPOSALS} pending ec2-stop-start-instance proposals, found ${pending.length}`);
  return pending;
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
    const h = await startHarness(BENCH_ENV);
    try {
      const proposals = await openPendingProposals(h);
      const clicks = proposals.flatMap((p) => [
        { proposalId: p.id, user: USERS.stranger },
        { proposalId: p.id, user: USERS.operator },
      ]);
      const result = await closedLoop(clicks.length, CONCURRENCY, (i) => h.click('approve_proposal', clicks[i]!.proposalId, clicks[i]!.user));
      await h.settle();
      if (result.errors.length > 0) console.error(`slack ack: first failures:\n  ${result.errors.join('\n  ')}`);

      const msOf = (user: string) => result.samples.filter((s) => clicks[s.index]!.user === user).map((s) => s.ms);
      const { incidents } = await h.api<IncidentList>(`/api/incidents?limit=${PROPOSALS * 2}`);
      const ranDry = incidents.flatMap((i) => i.proposals).filter((p) => p.status === 'dry_run').length;
      const { records } = await h.api<{ records: unknown[] }>('/api/audit?kind=approval.refused&n=1000');
      return [
        ...latencyRows('slack ack, all clicks', result.samples.map((s) => s.ms), P99_TARGET_MS),
        ...latencyRows(`slack ack, allowed ${USERS.operator}`, msOf(USERS.operator), P99_TARGET_MS),
        ...latencyRows(`slack ack, stranger ${USERS.stranger}`, msOf(USERS.stranger), P99_TARGET_MS),
        exactTarget('slack ack non-2xx answers', result.failures, 'requests', 0),
        exactTarget('slack approvals that ran (dry run)', ranDry, 'proposals', PROPOSALS),
        exactTarget('slack stranger clicks refused and audited', records.length, 'records', PROPOSALS),
        { name: 'slack ack warnings logged', value: warnings(h.logs), unit: 'lines' },
      ];
    } finally {
      await h.close();
    }
  },
};
