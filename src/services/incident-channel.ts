import type { AuditRecord } from '../core/audit.js';
import type { Incident } from '../core/incident.js';
import type { Proposal } from '../core/proposal.js';
import type { Runbook } from '../core/runbooks/schema.js';
import type { Calibration, WeeklyReport } from '../core/reports.js';

/** An incident as the chat shows it: the incident and its proposals. */
export interface IncidentView {
  incident: Incident;
  proposals: Proposal[];
}

/**
 * A message to the whole channel, outside any incident. Typed rather than text, so the adapter
 * escapes what people typed (a kill switch's reason) and keeps it within Slack's limits.
 */
export type Announcement =
  | { kind: 'kill_switch'; scope: string; engaged: boolean; by: string; reason?: string }
  | { kind: 'weekly_report'; report: WeeklyReport }
  | { kind: 'calibration'; report: WeeklyReport; calibration: Calibration[] };

/**
 * Where incidents are shown: the Slack root message and its thread. Services speak in domain
 * objects; the Slack adapter renders Block Kit. When Slack is off, `enabled` is false and the
 * services skip it (the store and the operator API still have everything).
 */
export interface IncidentChannel {
  readonly enabled: boolean;
  postRoot(channel: string, view: IncidentView): Promise<string>;
  updateRoot(view: IncidentView): Promise<void>;
  postStep(view: IncidentView, record: AuditRecord): Promise<void>;
  postProposal(view: IncidentView, proposal: Proposal, runbook: Runbook | undefined): Promise<string>;
  updateProposal(view: IncidentView, proposal: Proposal, runbook: Runbook | undefined): Promise<void>;
  /** A message to the whole channel, outside any incident (kill switches, reports). */
  announce(channel: string, announcement: Announcement): Promise<void>;
}

export const disabledIncidentChannel: IncidentChannel = {
  enabled: false,
  postRoot: async () => '',
  updateRoot: async () => undefined,
  postStep: async () => undefined,
  postProposal: async () => '',
  updateProposal: async () => undefined,
  announce: async () => undefined,
};
