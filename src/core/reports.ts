import type { Incident } from './incident.js';
import type { Proposal } from './proposal.js';
import type { Runbook } from './runbooks/schema.js';

const DAY = 86_400_000;

export interface RunbookStats {
  runbook: string;
  runs: number;
  succeeded: number;
  failed: number;
  successRate: number;
}

export interface WeeklyReport {
  from: string;
  to: string;
  incidents: number;
  topAlerts: { name: string; count: number }[];
  runbooks: RunbookStats[];
  meanTimeToRemediateMs?: number;
  alertsWithoutRunbook: { name: string; count: number }[];
}

export interface Calibration {
  runbook: string;
  risk: Runbook['risk'];
  successRate: number;
  runs: number;
  proposedRisk: Runbook['risk'];
}

const RAN = new Set(['succeeded', 'failed']);

function countBy<T>(items: readonly T[], key: (item: T) => string): { name: string; count: number }[] {
  const counts = new Map<string, number>();
  for (const item of items) counts.set(key(item), (counts.get(key(item)) ?? 0) + 1);
  return [...counts].map(([name, count]) => ({ name, count })).sort((a, b) => b.count - a.count || a.name.localeCompare(b.name));
}

/** Success rates of the runbooks that ran (succeeded or failed) in `proposals`. */
export function runbookStats(proposals: readonly Proposal[]): RunbookStats[] {
  const ran = proposals.filter((p) => RAN.has(p.status));
  return countBy(ran, (p) => p.plan.runbookId).map(({ name }) => {
    const mine = ran.filter((p) => p.plan.runbookId === name);
    const succeeded = mine.filter((p) => p.status === 'succeeded').length;
    return { runbook: name, runs: mine.length, succeeded, failed: mine.length - succeeded, successRate: succeeded / mine.length };
  });
}

/**
 * The weekly report: most frequent alerts, runbooks run with success rates, mean time to
 * remediate, and alerts no runbook matched. `incidents` and `proposals` may hold more than the
 * week: only those opened in [now − 7 days, now) count.
 */
export function buildWeeklyReport(incidents: readonly Incident[], proposals: readonly Proposal[], matchedAlerts: ReadonlySet<string>, now: Date): WeeklyReport {
  const from = now.getTime() - 7 * DAY;
  const inWeek = incidents.filter((i) => Date.parse(i.openedAt) >= from && Date.parse(i.openedAt) < now.getTime());
  const ids = new Set(inWeek.map((i) => i.id));
  const weekProposals = proposals.filter((p) => ids.has(p.incidentId));
  const alerts = inWeek.flatMap((i) => Object.values(i.alerts));
  const remediation = inWeek
    .map((i) => {
      const first = weekProposals
        .filter((p) => p.incidentId === i.id && p.status === 'succeeded' && p.finishedAt)
        .map((p) => Date.parse(p.finishedAt as string))
        .sort((a, b) => a - b)[0];
      return first === undefined ? undefined : first - Date.parse(i.openedAt);
    })
    .filter((v): v is number => v !== undefined);
  const report: WeeklyReport = {
    from: new Date(from).toISOString(),
    to: now.toISOString(),
    incidents: inWeek.length,
    topAlerts: countBy(alerts, (a) => a.name).slice(0, 10),
    runbooks: runbookStats(weekProposals),
    alertsWithoutRunbook: countBy(
      alerts.filter((a) => !matchedAlerts.has(a.name) && !a.fingerprint.startsWith('manual:')),
      (a) => a.name,
    ).slice(0, 10),
  };
  if (remediation.length > 0) report.meanTimeToRemediateMs = Math.round(remediation.reduce((a, b) => a + b, 0) / remediation.length);
  return report;
}

const STRICTER: Record<Runbook['risk'], Runbook['risk']> = { low: 'medium', medium: 'high', high: 'high' };

/**
 * Monthly calibration: runbooks whose success rate over the last 30 days fell below 80% are
 * proposed for a stricter risk level (high stays high, and is still listed). A runbook needs at
 * least `minRuns` runs to be judged.
 */
export function calibrate(proposals: readonly Proposal[], runbooks: readonly Runbook[], now: Date, minRuns = 3): Calibration[] {
  const from = now.getTime() - 30 * DAY;
  const recent = proposals.filter((p) => p.finishedAt && Date.parse(p.finishedAt) >= from && Date.parse(p.finishedAt) < now.getTime() && !p.rollbackOf);
  return runbookStats(recent)
    .filter((s) => s.runs >= minRuns && s.successRate < 0.8)
    .map((s) => {
      const risk = runbooks.find((r) => r.id === s.runbook)?.risk ?? 'low';
      return { runbook: s.runbook, risk, successRate: s.successRate, runs: s.runs, proposedRisk: STRICTER[risk] };
    });
}
