import type { Logger } from 'pino';
import { advanceProposal } from './advance-proposal.js';
import { followUpExecution } from './after-execution.js';
import { createArrivalRate, createBackgroundTasks, createLimiter } from './background-tasks.js';
import type { ServiceDeps } from './deps.js';
import { runExecution } from './execute-proposal.js';
import { processIncident } from './process-incident.js';
import type { Workflow } from './workflow.js';
import { verifyAction } from './verify-action.js';

/**
 * Incident passes, and proposals being advanced (diagnostics, the decision, the claim of a run), at
 * once: enough to overlap store round trips, few enough that an alert storm's background work
 * leaves the webhooks the CPU they need to answer fast. Following a running execution (mostly
 * waiting on SSM) is not limited.
 */
const INCIDENT_CONCURRENCY = 2;
const PROPOSAL_CONCURRENCY = 4;
/**
 * While this many webhooks are being stored at once, or webhooks arrived at this rate or more over
 * the last second (a flood: Alertmanager sends a few a second), incident and proposal work each
 * start at most one pass a second (BUSY_SPACING_MS), one at a time: alerts are what Alertmanager
 * waits for (and retries), and the work they cause runs a few seconds later without harm, with the
 * alerts that came meanwhile taken in by one pass. It never stops: a storm that does not end still
 * gets its proposals.
 */
const BUSY_INGEST = 2;
const FLOOD_PER_SECOND = 50;
const BUSY_SPACING_MS = 1000;

export interface WorkflowCoordinator {
  workflow: Workflow;
  /** Gives the coordinator the services it drives; called once by the composition root. */
  bind(deps: ServiceDeps): void;
  /** Resolves when no work is running or queued: for tests and graceful shutdown. */
  idle(): Promise<void>;
  pending(): number;
}

/**
 * The one implementation of the workflow port: it owns what runs next, the task keys and the
 * concurrency limits. Work on one incident runs one step at a time (processing, and what follows a
 * run), and so does work on one proposal (advancing it, following its run); incidents and proposals
 * proceed independently. Repeated reports of the same change while its work is still queued cost
 * one pass: each step reads the latest state when it starts.
 */
export function createWorkflowCoordinator(log: Logger): WorkflowCoordinator {
  const tasks = createBackgroundTasks(log);
  let arriving = 0;
  const arrivals = createArrivalRate(() => performance.now());
  const busy = () => arriving >= BUSY_INGEST || arrivals.perSecond() >= FLOOD_PER_SECOND;
  const spacing = () => (busy() ? BUSY_SPACING_MS : 0);
  const incidents = createLimiter(() => (busy() ? 1 : INCIDENT_CONCURRENCY), spacing);
  const proposals = createLimiter(() => (busy() ? 1 : PROPOSAL_CONCURRENCY), spacing);
  let deps: ServiceDeps | undefined;
  const bound = (): ServiceDeps => {
    if (!deps) throw new Error('the workflow coordinator was used before bind()');
    return deps;
  };
  const workflow: Workflow = {
    incidentChanged(incidentId) {
      void tasks.run(`incident:${incidentId}`, () => processIncident(bound(), incidentId), { coalesce: 'process', limiter: incidents });
    },
    proposalReady(proposalId) {
      void tasks.run(`proposal:${proposalId}`, () => advanceProposal(bound(), proposalId), { coalesce: 'advance', limiter: proposals });
    },
    executionStarted(proposalId) {
      void tasks.run(`proposal:${proposalId}`, () => runExecution(bound(), proposalId), { coalesce: 'execute' });
    },
    alertsArriving() {
      arriving++;
      arrivals.add();
      let done = false;
      return () => {
        if (done) return;
        done = true;
        arriving--;
        incidents.wake();
        proposals.wake();
      };
    },
    executionFinished(proposal) {
      void tasks.run(`incident:${proposal.incidentId}`, () => followUpExecution(bound(), proposal.id), { coalesce: `follow-up:${proposal.id}`, limiter: incidents });
      workflow.verificationPending(proposal.id);
    },
    verificationPending(proposalId) {
      // A runbook's verify check waits up to its `within` (minutes): a key of its own, unlimited,
      // so it holds up neither the incident's work nor anyone else's. It does nothing without one.
      void tasks.run(`verify:${proposalId}`, () => verifyAction(bound(), proposalId), { coalesce: 'verify' });
    },
  };
  return {
    workflow,
    bind(d) {
      deps = d;
    },
    idle: () => tasks.idle(),
    pending: () => tasks.pending(),
  };
}
