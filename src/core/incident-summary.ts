import type { Incident } from './incident.js';
import type { Proposal } from './proposal.js';
import { validApprovals } from './policy/approval.js';

export interface IncidentSummary {
  incidentId: string;
  title: string;
  openedAt: string;
  resolvedAt?: string;
  durationMs?: number;
  timeToAcknowledgeMs?: number;
  /** From opening to the end of the first successful action. */
  timeToRemediateMs?: number;
  acknowledgedBy?: string;
  alerts: { name: string; status: string }[];
  actions: { runbook: string; target: string; status: string; approvedBy: string[]; requestedBy: string; executionId?: string; error?: string }[];
  outcome: 'remediated' | 'resolved without automation' | 'resolved after failed automation' | 'resolved by hand';
}

const ms = (from: string, to: string | undefined) => (to ? Date.parse(to) - Date.parse(from) : undefined);

/** What the thread shows when an incident resolves: what ran, who approved, how long it took. */
export function summarizeIncident(incident: Incident, proposals: readonly Proposal[], resolvedBy?: string): IncidentSummary {
  const actions = proposals.map((p) => {
    const a: IncidentSummary['actions'][number] = {
      runbook: p.plan.runbookId,
      target: p.plan.target,
      status: p.status,
      approvedBy: validApprovals(p.plan, p.approvals).map((x) => x.userId),
      requestedBy: p.requestedBy,
    };
    if (p.executionId) a.executionId = p.executionId;
    if (p.lastError) a.error = p.lastError;
    return a;
  });
  const firstSuccess = proposals
    .filter((p) => p.status === 'succeeded' && p.finishedAt)
    .map((p) => p.finishedAt as string)
    .sort()[0];
  const outcome: IncidentSummary['outcome'] = resolvedBy
    ? 'resolved by hand'
    : firstSuccess
      ? 'remediated'
      : proposals.some((p) => p.status === 'failed')
        ? 'resolved after failed automation'
        : 'resolved without automation';
  const summary: IncidentSummary = {
    incidentId: incident.id,
    title: incident.title,
    openedAt: incident.openedAt,
    alerts: Object.values(incident.alerts).map((a) => ({ name: a.name, status: a.status })),
    actions,
    outcome,
  };
  if (incident.resolvedAt) summary.resolvedAt = incident.resolvedAt;
  const duration = ms(incident.openedAt, incident.resolvedAt);
  if (duration !== undefined) summary.durationMs = duration;
  const tta = ms(incident.openedAt, incident.acknowledgedAt);
  if (tta !== undefined) summary.timeToAcknowledgeMs = tta;
  const ttr = ms(incident.openedAt, firstSuccess);
  if (ttr !== undefined) summary.timeToRemediateMs = ttr;
  if (incident.acknowledgedBy) summary.acknowledgedBy = incident.acknowledgedBy;
  return summary;
}

/** 95 s → "1m 35s". */
export function formatDuration(msValue: number | undefined): string {
  if (msValue === undefined) return '—';
  const s = Math.round(msValue / 1000);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  return [h ? `${h}h` : '', m ? `${m}m` : '', `${sec}s`].filter(Boolean).join(' ');
}
