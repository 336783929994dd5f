import type { IncidentSummary } from '../../../core/incident-summary.js';
import { formatDuration } from '../../../core/incident-summary.js';
import { escapeMrkdwn, fields, section } from './text.js';

/** The resolution summary: timeline figures, what ran, who approved, outcome. */
export function summaryBlocks(s: IncidentSummary): Record<string, unknown>[] {
  const actions = s.actions.length
    ? s.actions
        .map((a) => {
          const who = a.approvedBy.length ? `approved by ${a.approvedBy.map((u) => `<@${u}>`).join(', ')}` : a.requestedBy === 'automated' ? 'ran automatically' : `requested by <@${a.requestedBy}>`;
          return `• \`${escapeMrkdwn(a.runbook)}\` on \`${escapeMrkdwn(a.target)}\`: *${escapeMrkdwn(a.status)}*, ${who}${a.executionId ? ` (execution \`${escapeMrkdwn(a.executionId)}\`)` : ''}${a.error ? `: ${escapeMrkdwn(a.error)}` : ''}`;
        })
        .join('\n')
    : 'No runbook ran.';
  return [
    section(`:white_check_mark: *${s.incidentId} resolved*: ${escapeMrkdwn(s.outcome)}`),
    fields([
      ['Duration', formatDuration(s.durationMs)],
      ['Time to acknowledge', `${formatDuration(s.timeToAcknowledgeMs)}${s.acknowledgedBy ? ` by <@${s.acknowledgedBy}>` : ''}`],
      ['Time to remediate', formatDuration(s.timeToRemediateMs)],
      ['Alerts', s.alerts.map((a) => `${escapeMrkdwn(a.name)} (${a.status})`).join(', ') || '—'],
    ]),
    section(`*What ran*\n${actions}`),
  ];
}
