import type { Incident } from '../../../core/incident.js';
import { firingAlerts } from '../../../core/incident.js';
import type { IncidentDetail } from '../../../services/incident-queries.js';
import type { KillSwitch } from '../../../services/ports.js';
import { escapeMrkdwn, replyText } from './text.js';
import { proposalStatusText } from './proposal-status.js';

const MAX_ALERTS_NAMED = 20;

function headline(i: Incident): string {
  return `*${i.id}* [${i.status}] ${escapeMrkdwn(i.severity)}: ${escapeMrkdwn(i.title)}`;
}

/** `/incident list`: one line per unresolved incident. */
export function incidentListReply(incidents: readonly Incident[]): string {
  if (incidents.length === 0) return 'No open incidents.';
  return replyText(incidents.map((i) => `• ${headline(i)} (${firingAlerts(i).length} firing, opened ${i.openedAt})`).join('\n'));
}

function alertsLine(i: Incident): string {
  const alerts = Object.values(i.alerts);
  const named = alerts.slice(0, MAX_ALERTS_NAMED).map((a) => `${escapeMrkdwn(a.name)} (${a.status})`);
  if (alerts.length > MAX_ALERTS_NAMED) named.push(`…and ${alerts.length - MAX_ALERTS_NAMED} more`);
  return `Alerts: ${named.join(', ') || '—'}${i.alertsOmitted ? ` · ${i.alertsOmitted} more that Alertmanager left out (max_alerts)` : ''}`;
}

/** `/incident show <id>`: status, alerts, runbooks and the latest steps. */
export function incidentDetailReply(id: string, detail: IncidentDetail | undefined): string {
  if (!detail) return `No incident ${escapeMrkdwn(id)}.`;
  const { incident: i, proposals, steps } = detail;
  const lines = [
    headline(i),
    `Service: ${escapeMrkdwn(i.service ?? '—')} · opened ${i.openedAt}${i.acknowledgedAt ? ` · acknowledged by <@${i.acknowledgedBy ?? ''}>` : ''}${i.resolvedAt ? ` · resolved ${i.resolvedAt}` : ''}`,
    alertsLine(i),
    proposals.length ? `Runbooks:\n${proposals.map((p) => `• \`${escapeMrkdwn(p.plan.runbookId)}\` on \`${escapeMrkdwn(p.plan.target)}\`: ${p.status}`).join('\n')}` : 'Runbooks: none',
    `Latest steps:\n${steps.map((s) => `#${s.seq} ${s.timestamp} ${escapeMrkdwn(s.kind)} ${s.outcome} (${escapeMrkdwn(s.operator)})`).join('\n')}`,
  ];
  return replyText(lines.join('\n'));
}

/** `@chatops status` in an incident's thread: where it stands, in a few lines. */
export function incidentStatusReply(i: Incident, proposals: readonly IncidentDetail['proposals'][number][]): string {
  const firing = firingAlerts(i).length;
  const lines = [
    headline(i),
    `${firing} firing / ${Object.keys(i.alerts).length} alerts${i.alertsOmitted ? ` (+${i.alertsOmitted} left out by Alertmanager)` : ''} · opened ${i.openedAt}${i.acknowledgedBy ? ` · acknowledged by <@${i.acknowledgedBy}>` : ''}${i.resolvedAt ? ` · resolved ${i.resolvedAt}` : ''}`,
    ...proposals.slice(0, 10).map((p) => `• \`${escapeMrkdwn(p.plan.runbookId)}\` on \`${escapeMrkdwn(p.plan.target)}\`: ${proposalStatusText(p)}`),
  ];
  return replyText(lines.join('\n'));
}

/** `/kill-switch status`: every engaged switch, who engaged it, when and why. */
export function killSwitchStatusReply(engaged: readonly KillSwitch[]): string {
  if (engaged.length === 0) return 'No kill switch is engaged: actions may run (subject to the other guards).';
  const lines = engaged.map((s) => `• \`${escapeMrkdwn(s.scope)}\`: engaged by <@${s.by}> (${escapeMrkdwn(s.authority)}) at ${s.at}${s.reason ? `: ${escapeMrkdwn(s.reason)}` : ''}`);
  return replyText(`*Engaged kill switches*\n${lines.join('\n')}`);
}

/** Help for a mention outside an incident thread. */
export const MENTION_HELP = [
  'Mention me in an incident thread with `status` (`@chatops status`) and I answer there with where the incident stands.',
  'Elsewhere: `/incident list`, `/incident show <id>`, `/kill-switch`, `/remediate <runbook-id> key=value …`, `/oncall`.',
].join('\n');
