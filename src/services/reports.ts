import type { Incident } from '../core/incident.js';
import type { Proposal } from '../core/proposal.js';
import { buildWeeklyReport, calibrate } from '../core/reports.js';
import type { Calibration, WeeklyReport } from '../core/reports.js';
import type { ServiceDeps } from './deps.js';
import { CONTROLS_AUDIT } from './kill-switch.js';

const DAY = 86_400_000;

async function recentActivity(deps: ServiceDeps, days: number): Promise<{ incidents: Incident[]; proposals: Proposal[] }> {
  const since = deps.clock.now().getTime() - days * DAY;
  const incidents = (await deps.incidents.list({ limit: 5000 })).filter((i) => Date.parse(i.openedAt) >= since || (i.resolvedAt && Date.parse(i.resolvedAt) >= since));
  const proposals = (await Promise.all(incidents.map((i) => deps.proposals.listByIncident(i.id)))).flat();
  return { incidents, proposals };
}

function matchedAlertNames(deps: ServiceDeps, proposals: readonly Proposal[], incidents: readonly Incident[]): Set<string> {
  const names = new Set(deps.catalogue.runbooks.flatMap((r) => r.match.flatMap((m) => m.alertname ?? [])));
  const withProposals = new Set(proposals.map((p) => p.incidentId));
  for (const i of incidents) if (withProposals.has(i.id)) for (const a of Object.values(i.alerts)) names.add(a.name);
  return names;
}

/**
 * A report is an audit record of the CONTROLS partition: Slack delivery announces it in the
 * incident channel from the record, so `details` holds all the announcement shows.
 */
async function publish(deps: ServiceDeps, kind: string, stepKey: string, details: Record<string, unknown>): Promise<void> {
  await deps.audit.record({ incidentId: CONTROLS_AUDIT, kind, stepKey, trigger: 'schedule', outcome: 'SUCCESS', operator: 'automated', details });
}

/** Weekly: the report, posted to the incident channel and kept in the audit trail. */
export async function postWeeklyReport(deps: ServiceDeps): Promise<WeeklyReport> {
  const now = deps.clock.now();
  const { incidents, proposals } = await recentActivity(deps, 7);
  const report = buildWeeklyReport(incidents, proposals, matchedAlertNames(deps, proposals, incidents), now);
  await publish(deps, 'report.weekly', `weekly:${now.toISOString().slice(0, 10)}`, { ...report });
  return report;
}

/** Monthly: runbooks whose success rate fell below 80% over 30 days, proposed for a stricter risk level. */
export async function postCalibration(deps: ServiceDeps): Promise<Calibration[]> {
  const now = deps.clock.now();
  const { incidents, proposals } = await recentActivity(deps, 30);
  const picks = calibrate(proposals, deps.catalogue.runbooks, now);
  const report = buildWeeklyReport(incidents, proposals, matchedAlertNames(deps, proposals, incidents), now);
  await publish(deps, 'report.calibration', `calibration:${now.toISOString().slice(0, 7)}`, { calibration: picks, report });
  return picks;
}
