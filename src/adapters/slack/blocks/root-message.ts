import type { IncidentView } from '../../../services/incident-channel.js';
import { escapeMrkdwn, fields, header, link, section, context, severityEmoji, MAX_BLOCKS } from './text.js';
import { proposalStatusText } from './proposal-status.js';

const MAX_ALERTS_SHOWN = 10;
const MAX_PROPOSALS_SHOWN = 10;

const statusText: Record<string, string> = {
  open: ':rotating_light: Open',
  acknowledged: ':eyes: Acknowledged',
  mitigating: ':gear: Mitigating',
  resolved: ':white_check_mark: Resolved',
};

/** The incident's root message, rebuilt from state on every change and updated in place. */
export function rootMessage({ incident, proposals }: IncidentView): { text: string; blocks: unknown[] } {
  const alerts = Object.values(incident.alerts);
  const firing = alerts.filter((a) => a.status === 'firing').length;
  const title = `${incident.status === 'resolved' ? '✅' : ''}${incident.id} · ${incident.title}`;
  const blocks: Record<string, unknown>[] = [
    header(title),
    fields([
      ['Status', statusText[incident.status] ?? incident.status],
      ['Severity', `${severityEmoji(incident.severity)} ${escapeMrkdwn(incident.severity)}`],
      ['Service', escapeMrkdwn(incident.service ?? '—')],
      ['Alerts', `${firing} firing / ${alerts.length} total`],
    ]),
  ];
  const alertLines = alerts.slice(0, MAX_ALERTS_SHOWN).map((a) => {
    const icon = a.status === 'firing' ? ':fire:' : ':white_check_mark:';
    return `${icon} *${escapeMrkdwn(a.name)}*: ${escapeMrkdwn(a.summary)} (${link(a.generatorURL, 'source')})`;
  });
  if (alerts.length > MAX_ALERTS_SHOWN) alertLines.push(`…and ${alerts.length - MAX_ALERTS_SHOWN} more`);
  blocks.push(section(alertLines.join('\n')));
  if (proposals.length > 0) {
    const lines = proposals
      .slice(0, MAX_PROPOSALS_SHOWN)
      .map((p) => `• \`${p.plan.runbookId}\` on \`${escapeMrkdwn(p.plan.target)}\` (${p.plan.risk} risk): ${proposalStatusText(p)}`);
    if (proposals.length > MAX_PROPOSALS_SHOWN) lines.push(`…and ${proposals.length - MAX_PROPOSALS_SHOWN} more`);
    blocks.push(section(`*Runbooks*\n${lines.join('\n')}`));
  }
  const times = [`Opened ${incident.openedAt}`];
  if (incident.resolvedAt) times.push(`resolved ${incident.resolvedAt}`);
  blocks.push(context(`${incident.id} · ${times.join(' · ')} · details in the thread`));
  return {
    text: `${incident.id} [${incident.status}] ${incident.severity}: ${incident.title}`,
    blocks: blocks.slice(0, MAX_BLOCKS),
  };
}
