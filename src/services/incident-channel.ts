import type { Incident } from '../core/incident.js';
import type { Proposal } from '../core/proposal.js';
import type { Calibration, WeeklyReport } from '../core/reports.js';

/** An incident as the chat shows it: the incident and its proposals. */
export interface IncidentView {
  incident: Incident;
  proposals: Proposal[];
}

/**
 * A message to the whole channel, outside any incident, as Slack delivery derives it from a
 * CONTROLS audit record. Typed rather than text, so the adapter escapes what people typed (a kill
 * switch's reason) and keeps it within Slack's limits.
 */
export type Announcement =
  /** `by`: how the operator is shown (a Slack mention the bot wrote, or an API caller's name). */
  | { kind: 'kill_switch'; scope: string; engaged: boolean; by: string; via?: string; reason?: string }
  | { kind: 'weekly_report'; report: WeeklyReport }
  | { kind: 'calibration'; report: WeeklyReport; calibration: Calibration[] }
  /** A changed runbook catalogue was put in force (`changed`: versions before and after). */
  | { kind: 'catalogue_loaded'; trigger: string; runbooks: number; added: CatalogueEntryVersion[]; removed: CatalogueEntryVersion[]; changed: { id: string; from: number; to: number }[]; policyChanged: boolean }
  /** A changed catalogue was refused whole; the one in force stays. */
  | { kind: 'catalogue_rejected'; trigger: string; problems: string[]; problemCount: number };

export interface CatalogueEntryVersion {
  id: string;
  version: number;
}
