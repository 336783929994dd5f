import type { Calibration, WeeklyReport } from '../../../core/reports.js';
import { formatDuration } from '../../../core/incident-summary.js';
import type { AuditRecord } from '../../../core/audit.js';
import { mentionOf } from '../../../core/policy/authority.js';
import type { Announcement, CatalogueEntryVersion } from '../../../services/incident-channel.js';
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
    case 'catalogue.loaded':
      return {
        kind: 'catalogue_loaded',
        trigger: record.trigger,
        runbooks: Number(d.runbooks ?? 0),
        added: (d.added ?? []) as CatalogueEntryVersion[],
        removed: (d.removed ?? []) as CatalogueEntryVersion[],
        changed: (d.changed ?? []) as { id: string; from: number; to: number }[],
        policyChanged: d.policyChanged === true,
      };
    case 'catalogue.rejected':
      return { kind: 'catalogue_rejected', trigger: record.trigger, problems: (d.problems ?? []) as string[], problemCount: Number(d.problemCount ?? 0) };
    default:
      return undefined;
  }
}

/** `a v1, b v2`, code-formatted and escaped (runbook ids are the catalogue author's text). */
function versions(list: readonly { id: string; version?: number; from?: number; to?: number }[]): string {
  const shown = list.slice(0, MAX_ROWS).map((r) => `\`${escapeMrkdwn(r.id)}\` ${r.version !== undefined ? `v${r.version}` : r.from === r.to ? `v${String(r.to)}` : `v${String(r.from)} → v${String(r.to)}`}`);
  if (list.length > MAX_ROWS) shown.push(`…and ${list.length - MAX_ROWS} more`);
  return shown.join(', ');
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
    case 'catalogue_loaded': {
      const parts = [
        `:books: *Runbook catalogue reloaded* (${escapeMrkdwn(a.trigger)}): ${a.runbooks} runbook(s) in force`,
        ...(a.added.length > 0 ? [`*Added:* ${versions(a.added)}`] : []),
        ...(a.changed.length > 0 ? [`*Changed:* ${versions(a.changed)}. Proposals of changed runbooks waiting for approval need approving again.`] : []),
        ...(a.removed.length > 0 ? [`*Removed:* ${versions(a.removed)}`] : []),
        ...(a.policyChanged ? ['*The policy changed* (authorities, risk levels, rate limits).'] : []),
      ];
      return slackMessage(parts.join('\n'), parts.map(section));
    }
    case 'catalogue_rejected': {
      const head = `:no_entry: *Runbook catalogue change refused* (${escapeMrkdwn(a.trigger)}): the catalogue in force stays. ${a.problemCount} problem(s):`;
      const list = a.problems.slice(0, MAX_ROWS).map((p) => `• ${escapeMrkdwn(p)}`).join('\n') + (a.problemCount > MAX_ROWS ? `\n…and ${a.problemCount - MAX_ROWS} more (npm run runbooks:lint lists them all)` : '');
      return slackMessage(head, [section(head), section(list)]);
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
