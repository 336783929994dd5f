import type { AuditRecord } from '../../../core/audit.js';
import type { ChatBlocks } from '../delivery/chat-blocks.js';
import { codeBlock, context, escapeMrkdwn, section, slackMessage } from './text.js';
import { onCallFromDetails, onCallSentence } from './on-call.js';
import type { IncidentSummary } from '../../../core/incident-summary.js';
import { summaryBlocks } from './summary-message.js';
import type { KeptSeries } from '../../../core/promql-result.js';
import { formatValue, seriesLines, stats } from './sparkline.js';

const icons: Record<string, string> = { SUCCESS: ':white_check_mark:', FAILURE: ':x:', SKIPPED: ':fast_forward:' };

function who(r: AuditRecord): string {
  return r.operator === 'automated' ? 'automated' : `<@${r.operator}>${r.authority ? ` (${escapeMrkdwn(r.authority)})` : ''}`;
}

function headline(r: AuditRecord): string {
  const d = r.details ?? {};
  const rb = r.runbook ? `\`${escapeMrkdwn(r.runbook)}\`` : '';
  // Every value below may have come from outside (AWS, alerts, people): escaped where it is put in.
  const e = (v: unknown) => escapeMrkdwn(String(v ?? ''));
  const target = r.targetResource ? ` on \`${escapeMrkdwn(r.targetResource)}\`` : '';
  switch (r.kind) {
    case 'diagnostics.completed':
      return `Diagnostics \`${e(r.action)}\` for ${rb}${target}: *${escapeMrkdwn(String(d.status ?? r.outcome))}*`;
    case 'diagnostics.dry_run':
      return `Diagnostics \`${e(r.action)}\` for ${rb}${target} not started (DRY_RUN)`;
    case 'diagnostics.promql':
      return promqlHeadline(r);
    case 'action.verified':
      return `${rb}${target} *verified*: \`${e(d.query)}\` ${e(d.expect)} held (${(d.values as unknown[] | undefined)?.map((v) => formatValue(typeof v === 'number' ? v : undefined)).join(', ') ?? ''}) after ${e(d.checks)} check(s)`;
    case 'action.not_verified':
      return r.outcome === 'SKIPPED'
        ? `${rb}${target}: verify check not run (${e(d.reason)})`
        : `${rb}${target} *not verified*: \`${e(d.query)}\` ${e(d.expect)} did not hold within ${Math.round(Number(d.withinMs ?? 0) / 60_000)} min: ${e(d.reason)}`;
    case 'proposal.invalid':
      return `Runbook ${rb} not proposed: ${escapeMrkdwn(String(d.reason ?? ''))}`;
    case 'runbook.none':
      return `No runbook matches *${escapeMrkdwn(r.alertname ?? '')}*; a person needs to look at it`;
    case 'proposal.created':
      return `Will run ${rb}${target} (${String(d.risk)} risk, no approval needed): \`${escapeMrkdwn(String(r.action ?? ''))}\``;
    case 'approval.requested':
      return `${rb}${target} awaits approval (${e(d.risk)} risk, ${e(d.approvalsRequired)} needed)`;
    case 'approval.granted':
      return `Approved by ${who(r)}: ${rb}${target} (${e(d.approvals)}/${e(d.required)})`;
    case 'approval.rejected':
      return `Rejected by ${who(r)}: ${rb}${target}`;
    case 'approval.refused':
    case 'rejection.refused':
    case 'dry_run.refused':
      return `Refused a click by ${who(r)} on ${rb}${target}: ${escapeMrkdwn(String(d.reason ?? d.code ?? ''))}`;
    case 'action.dry_run':
      return `Dry run of ${rb}${target}: this is exactly what would be sent`;
    case 'action.started':
      return `Started ${rb}${target}: SSM execution \`${e(r.executionId)}\``;
    case 'action.progress':
      return `${rb}${target}: execution is *${escapeMrkdwn(String(d.status ?? ''))}*`;
    case 'action.succeeded':
      return `${rb}${target} *succeeded* (execution \`${e(r.executionId)}\`)`;
    case 'action.skipped':
      return `${rb}${target} *skipped*, nothing changed: ${escapeMrkdwn(String(d.reason ?? 'not eligible'))}`;
    case 'action.failed':
      return `${rb}${target} *failed*: ${escapeMrkdwn(String(d.error ?? d.executionStatus ?? 'unknown error'))}`;
    case 'proposal.withdrawn':
      return `${rb}${target} withdrawn: ${escapeMrkdwn(String(d.reason ?? ''))}`;
    case 'incident.resolved':
      return `Incident resolved: ${escapeMrkdwn(String(d.reason ?? ''))}`;
    case 'incident.reopened':
      return 'Incident reopened: an alert fired again';
    case 'approval.reminder':
      return `Reminder: ${rb}${target} still awaits approval (${e(d.approvals)}/${e(d.required)}) from ${(d.approvers as string[] | undefined)?.map(e).join(', ') ?? 'an approver'}; it expires at ${e(d.expiresAt)}`;
    case 'incident.stale_reminder':
      return `No activity on this incident for ${e(d.idleMinutes)} min; is someone on it?`;
    case 'incident.acknowledged':
      return `Acknowledged by ${who(r)}`;
    case 'incident.status_changed':
      return `Incident is now *${escapeMrkdwn(String(d.to ?? ''))}* (was ${escapeMrkdwn(String(d.from ?? ''))})`;
    case 'approval.invalidated':
      return `${rb}${target}: the plan changed after it was approved (runbook v${e(d.previousVersion)} → v${e(d.version)}); earlier approvals no longer count`;
    case 'approval.expired':
      return `${rb}${target}: approval expired with ${e(d.approvals)}/${e(d.required)} approvals; nothing ran`;
    case 'action.refused':
      return `${rb}${target} *not run*: ${escapeMrkdwn(String(d.reason ?? d.guard ?? ''))}`;
    case 'action.tracking_lost':
      return `${rb}${target}: lost track of execution \`${e(r.executionId)}\` (${escapeMrkdwn(String(d.reason ?? ''))}); it may still be running, polling resumes within minutes`;
    case 'action.aborted':
      return `${rb}${target}: execution \`${e(r.executionId)}\` stopped by kill switch \`${escapeMrkdwn(String(d.scope ?? ''))}\` (${who(r)})`;
    case 'escalation.triggered':
      return escalationHeadline(r);
    case 'escalation.paged':
      return 'PagerDuty took the page: the on-call is being notified';
    case 'escalation.delivery_failed':
      return `PagerDuty did not take the *${escapeMrkdwn(String(d.action ?? 'event'))}* after ${e(d.attempts ?? '?')} attempt(s): ${escapeMrkdwn(String(d.error ?? 'unknown error'))}${d.action === 'trigger' ? '. Nobody may have been paged: reach the on-call directly' : ''}`;
    case 'escalation.refused':
      return `Refused an escalation by ${who(r)}: ${escapeMrkdwn(String(d.reason ?? d.code ?? ''))}`;
    default:
      return `${e(r.kind)} ${rb}${target}`;
  }
}

/** A PromQL diagnostic: its title and, for each series it kept, a sparkline with last/min/max. */
function promqlHeadline(r: AuditRecord): string {
  const d = r.details ?? {};
  const title = `*${escapeMrkdwn(String(d.title ?? r.action ?? 'PromQL'))}*${r.runbook ? ` for \`${escapeMrkdwn(r.runbook)}\`` : ''}`;
  if (r.outcome === 'SKIPPED') return `:chart_with_upwards_trend: ${title} not queried: ${escapeMrkdwn(String(d.note ?? ''))}`;
  if (r.outcome === 'FAILURE') return `:chart_with_upwards_trend: ${title}: the query failed: ${escapeMrkdwn(String(d.error ?? 'unknown error'))}`;
  const series = (d.series ?? []) as KeptSeries[];
  if (series.length === 0) return `:chart_with_upwards_trend: ${title}: no data`;
  if (series.length === 1) return `:chart_with_upwards_trend: ${title}: ${stats(series[0] as KeptSeries)}`;
  return `:chart_with_upwards_trend: ${title}: ${series.length} series${Number(d.seriesTotal) > series.length ? ` (of ${escapeMrkdwn(String(d.seriesTotal))})` : ''}`;
}

/** The sparklines of a PromQL record, one line per series. */
function promqlSeries(r: AuditRecord): string | undefined {
  const series = (r.details?.series ?? []) as KeptSeries[];
  if (r.kind !== 'diagnostics.promql' || series.length === 0) return undefined;
  const lines = seriesLines(series).map((l) => `\`${l.spark || ' '}\` ${l.stats} — \`${escapeMrkdwn(l.name)}\``);
  return `${lines.join('\n')}\n\`${escapeMrkdwn(String(r.details?.query ?? ''))}\``;
}

function escalationHeadline(r: AuditRecord): string {
  const d = r.details ?? {};
  const why = `${escapeMrkdwn(String(d.reason ?? r.trigger))}${d.detail ? ` (${escapeMrkdwn(String(d.detail))})` : ''}`;
  const by = r.operator === 'automated' ? '' : ` by ${who(r)}`;
  if (d.paged === false) return `Escalation${by} not paged: ${why}. ${escapeMrkdwn(String(d.note ?? 'PagerDuty is not configured'))}`;
  return `Paging the on-call in PagerDuty${by}: ${why}`;
}

/** Escalation lines name who is on call, with a mention where the Slack user is known. */
function onCallLine(r: AuditRecord): string | undefined {
  const d = r.details ?? {};
  if (r.kind === 'escalation.delivery_failed' || r.kind === 'escalation.paged') return onCallSentence(onCallFromDetails(d.onCall));
  return undefined;
}

/** One thread line per audit record: what happened, by whom, and the payload where it matters. */
export function stepMessage(r: AuditRecord): ChatBlocks {
  if (r.kind === 'incident.summary' && r.details) {
    const summary = r.details as unknown as IncidentSummary;
    return slackMessage(escapeMrkdwn(`${summary.incidentId} resolved: ${summary.outcome}`), [...summaryBlocks(summary), context(`${escapeMrkdwn(r.kind)} · #${r.seq} · ${r.timestamp}`)]);
  }
  const line = `${icons[r.outcome] ?? ''} ${headline(r)}`;
  const blocks: Record<string, unknown>[] = [section(line)];
  const d = r.details ?? {};
  const onCall = onCallLine(r);
  if (onCall) blocks.push(section(onCall));
  if (r.kind === 'action.dry_run' && d.request) blocks.push(section(codeBlock(d.request)));
  if (r.kind === 'proposal.created' && d.parameters) blocks.push(section(codeBlock(d.parameters)));
  if (r.kind === 'diagnostics.completed' && d.outputs && Object.keys(d.outputs).length > 0) blocks.push(section(codeBlock(d.outputs)));
  if (r.kind === 'diagnostics.dry_run' && d.request) blocks.push(section(codeBlock(d.request)));
  const spark = promqlSeries(r);
  if (spark) blocks.push(section(spark));
  blocks.push(context(`${escapeMrkdwn(r.kind)} · #${r.seq} · ${r.timestamp}`));
  // The fallback text carries the on-call too: it is what notifications show.
  return slackMessage((onCall ? `${line}\n${onCall}` : line).replace(/\*/g, ''), blocks);
}
