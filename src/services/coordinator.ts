import type { Logger } from 'pino';
import { advanceProposal } from './advance-proposal.js';
import { followUpExecution } from './after-execution.js';
import { createBackgroundTasks, createLimiter } from './background-tasks.js';
import type { ServiceDeps } from './deps.js';
import { runExecution } from './execute-proposal.js';
import { processIncident } from './process-incident.js';
import type { Workflow } from './workflow.js';

/** Incident passes at once: enough to overlap store round trips, few enough to leave webhooks CPU. */
const INCIDENT_CONCURRENCY = 2;

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
  const incidents = createLimiter(INCIDENT_CONCURRENCY);
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
      void tasks.run(`proposal:${proposalId}`, () => advanceProposal(bound(), proposalId), { coalesce: 'advance' });
    },
    executionStarted(proposalId) {
      void tasks.run(`proposal:${proposalId}`, () => runExecution(bound(), proposalId), { coalesce: 'execute' });
    },
    executionFinished(proposal) {
      void tasks.run(`incident:${proposal.incidentId}`, () => followUpExecution(bound(), proposal.id), { coalesce: `follow-up:${proposal.id}`, limiter: incidents });
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
