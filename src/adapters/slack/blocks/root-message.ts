import type { IncidentView } from '../../../services/incident-channel.js';
import type { ChatBlocks } from '../delivery/chat-blocks.js';
import { actions, button, confirmDialog, escapeMrkdwn, fields, header, link, section, context, severityEmoji, slackMessage } from './text.js';
import { proposalStatusText } from './proposal-status.js';

const MAX_ALERTS_SHOWN = 10;
const MAX_PROPOSALS_SHOWN = 10;

/** action_ids on the root message (DESIGN §2.4: they start with ack, escalate). */
export const ROOT_ACTION_IDS = { ack: 'ack_incident', escalate: 'escalate_incident' } as const;

/** Pages the on-call by hand; Slack asks first, since a page wakes someone up. */
function escalateButton(incidentId: string): Record<string, unknown> {
  return button({
    actionId: ROOT_ACTION_IDS.escalate,
    text: 'Escalate',
    value: incidentId,
    confirm: confirmDialog({ title: 'Page the on-call?', text: `This pages whoever is on call in PagerDuty for ${incidentId}.`, confirm: 'Page' }),
  });
}

/** Buttons for an unresolved incident; undefined when none applies (Slack refuses an empty actions block). */
function rootActions(incidentId: string, status: string): Record<string, unknown> | undefined {
  const elements: Record<string, unknown>[] = [];
  if (status === 'open') elements.push(button({ actionId: ROOT_ACTION_IDS.ack, text: 'Acknowledge', value: incidentId }));
  elements.push(escalateButton(incidentId));
  return elements.length > 0 ? actions(elements, `incident:${incidentId}`) : undefined;
}

const statusText: Record<string, string> = {
  open: ':rotating_light: Open',
  acknowledged: ':eyes: Acknowledged',
  mitigating: ':gear: Mitigating',
  resolved: ':white_check_mark: Resolved',
};

/** The incident's root message, rebuilt from state on every change and updated in place. */
export function rootMessage({ incident, proposals }: IncidentView): ChatBlocks {
  const alerts = Object.values(incident.alerts);
  const firing = alerts.filter((a) => a.status === 'firing').length;
  const title = `${incident.status === 'resolved' ? '✅' : ''}${incident.id} · ${incident.title}`;
  const blocks: Record<string, unknown>[] = [
    header(title),
    fields([
      ['Status', `${statusText[incident.status] ?? incident.status}${incident.round > 0 && incident.status !== 'resolved' ? ' (reopened)' : ''}`],
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
  if (incident.alertsOmitted) alertLines.push(`:warning: Alertmanager left out ${incident.alertsOmitted} more alert(s) of this group (\`max_alerts\`): they may still fire, so this incident resolves only once a notification leaves none out (or by \`/incident resolve\`).`);
  if (incident.alertsOverflow) alertLines.push(':warning: More alerts than one incident can track: the rest are in the audit trail only, and this incident will not resolve by itself (`/incident resolve`).');
  blocks.push(section(alertLines.join('\n')));
  if (proposals.length > 0) {
    const lines = proposals
      .slice(0, MAX_PROPOSALS_SHOWN)
        .map((p) => `• \`${escapeMrkdwn(p.plan.runbookId)}\` on \`${escapeMrkdwn(p.plan.target)}\` (${p.plan.risk} risk): ${proposalStatusText(p)}`);
    if (proposals.length > MAX_PROPOSALS_SHOWN) lines.push(`…and ${proposals.length - MAX_PROPOSALS_SHOWN} more`);
    blocks.push(section(`*Runbooks*\n${lines.join('\n')}`));
  }
  const actions = incident.status === 'resolved' ? undefined : rootActions(incident.id, incident.status);
  if (actions) blocks.push(actions);
  const times = [`Opened ${incident.openedAt}`];
  if (incident.acknowledgedAt) times.push(`acknowledged ${incident.acknowledgedAt} by <@${incident.acknowledgedBy ?? ''}>`);
  if (incident.resolvedAt) times.push(`resolved ${incident.resolvedAt}`);
  blocks.push(context(`${incident.id} · ${times.join(' · ')} · details in the thread`));
  return slackMessage(escapeMrkdwn(`${incident.id} [${incident.status}] ${incident.severity}: ${incident.title}`), blocks);
}
