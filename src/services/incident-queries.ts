import type { Incident } from '../core/incident.js';
import type { Proposal } from '../core/proposal.js';
import type { ServiceDeps } from './deps.js';

/** `/incident list`: unresolved incidents, newest first. */
export async function listOpenIncidents(deps: Pick<ServiceDeps, 'incidents'>, limit = 20): Promise<Incident[]> {
  return deps.incidents.list({ status: ['open', 'acknowledged', 'mitigating'], limit });
}

/** One audit step as `/incident show` lists it. */
export interface StepLine {
  seq: number;
  kind: string;
  timestamp: string;
  operator: string;
  outcome: string;
}

export interface IncidentDetail {
  incident: Incident;
  proposals: Proposal[];
  /** The latest 10 audit steps, oldest first. */
  steps: StepLine[];
}

/** `/incident show <id>`: the incident, its runbooks and its latest steps; undefined when unknown. */
export async function showIncident(
  deps: Pick<ServiceDeps, 'incidents' | 'proposals'>,
  id: string,
  audit: { chain(id: string): Promise<StepLine[]> },
): Promise<IncidentDetail | undefined> {
  const incident = await deps.incidents.get(id);
  if (!incident) return undefined;
  const [proposals, chain] = await Promise.all([deps.proposals.listByIncident(id), audit.chain(id)]);
  return { incident, proposals, steps: chain.slice(-10) };
}
