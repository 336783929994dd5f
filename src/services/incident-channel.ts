import type { Incident } from '../core/incident.js';
import type { Proposal } from '../core/proposal.js';

/** An incident as the chat shows it: the incident and its proposals. */
export interface IncidentView {
  incident: Incident;
  proposals: Proposal[];
}
