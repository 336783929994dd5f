import type { Calibration, WeeklyReport } from '../../../core/reports.js';
import { formatDuration } from '../../../core/incident-summary.js';
import type { AuditRecord } from '../../../core/audit.js';
import { mentionOf } from '../../../core/policy/authority.js';
import type { Announcement } from '../../../services/incident-channel.js';
import type { ChatBlocks } from '../delivery/chat-blocks.js';
import { escapeMrkdwn, section, slackMessage } from './text.js';

/** A mention the bot itself wrote (`<@U…>`), kept as it is; any other name is escaped. */
const SLACK_MENTION = /^<@[UW][A-Z0-9]{2,}>$/;

/** What a CONTROLS audit record announces to the channel, if anything. */
export function announcementOf(record: AuditRecord): Announcement | undefined {
  const d = record.details ?? {};
  switch (record.kind) {
    case 'killswitch.engaged':
    case 'killswitch.released':
      return {
        kind: 'kill_switch',
        scope: String(d.scope ?? record.targetResource ?? ''),
        engaged: record.kind === 'killswitch.engaged',
        // Older records have only the operator id.
        by: typeof d.by === 'string' ? d.by : mentionOf(record.operator),
        ...(typeof d.via === 'string' ? { via: d.via } : {}),
        ...(typeof d.reason === 'string' && d.reason ? { reason: d.reason } : {}),
      };
    case 'report.weekly':
      return { kind: 'weekly_report', report: d as unknown as WeeklyReport };
    case 'report.calibration':
      return d.report ? { kind: 'calibration', report: d.report as WeeklyReport, calibration: (d.calibration ?? []) as Calibration[] } : undefined;
    default:
      return undefined;
  }
}

/** At most this many rows per report list: a report is a glance, the operator API has the rest. */
const MAX_ROWS = 15;

function rows<T>(items: readonly T[], line: (item: T) => string): string {
  if (items.length === 0) return '• none';
  const shown = items.slice(0, MAX_ROWS).map(line);
  if (items.length > MAX_ROWS) shown.push(`…and ${items.length - MAX_ROWS} more`);
  return shown.join('\n');
}

/** The weekly report (and the calibration's proposals), one section per part so each stays under 3,000. */
export function reportSections(r: WeeklyReport, calibration: readonly Calibration[] = []): string[] {
  const parts = [
    `*Weekly report* ${r.from.slice(0, 10)} → ${r.to.slice(0, 10)}: ${r.incidents} incident(s)`,
    `*Most frequent alerts*\n${rows(r.topAlerts, (a) => `• ${escapeMrkdwn(a.name)}: ${a.count}`)}`,
    `*Runbooks run*\n${rows(r.runbooks, (s) => `• \`${escapeMrkdwn(s.runbook)}\`: ${s.runs} run(s), ${Math.round(s.successRate * 100)}% succeeded`)}`,
    `*Mean time to remediate*: ${formatDuration(r.meanTimeToRemediateMs)}`,
    `*Alerts with no runbook*\n${rows(r.alertsWithoutRunbook, (a) => `• ${escapeMrkdwn(a.name)}: ${a.count}`)}`,
  ];
  if (calibration.length > 0) {
    parts.push(`*Calibration: proposed stricter risk levels*\n${rows(calibration, (c) => `• \`${escapeMrkdwn(c.runbook)}\`: ${Math.round(c.successRate * 100)}% of ${c.runs} runs succeeded in 30 days; ${c.risk} → ${c.proposedRisk}`)}`);
  }
  return parts;
}

/**
 * A message to the whole incident channel. The kill switch's reason is what a person typed: it
 * is escaped, so it cannot ping `<!channel>` or show a disguised link in the bot's name, and cut
 * to Slack's limits like everything else here.
 */
export function announcementMessage(a: Announcement): ChatBlocks {
  switch (a.kind) {
    case 'kill_switch': {
      const verb = a.engaged ? ':octagonal_sign: engaged' : ':large_green_circle: released';
      const by = SLACK_MENTION.test(a.by) ? a.by : escapeMrkdwn(a.by);
      const text = `Kill switch \`${escapeMrkdwn(a.scope)}\` ${verb} by ${by}${a.via === 'api' ? ' (operator API)' : ''}${a.reason ? `: ${escapeMrkdwn(a.reason)}` : ''}`;
      return slackMessage(text, [section(text)]);
    }
    case 'weekly_report': {
      const parts = reportSections(a.report);
      return slackMessage(parts.join('\n'), parts.map(section));
    }
    case 'calibration': {
      if (a.calibration.length === 0) {
        const text = '*Monthly calibration*: every runbook that ran in the last 30 days succeeded at least 80% of the time.';
        return slackMessage(text, [section(text)]);
      }
      const parts = reportSections({ ...a.report, topAlerts: [], alertsWithoutRunbook: [] }, a.calibration);
      return slackMessage(parts.join('\n'), parts.map(section));
    }
  }
}
