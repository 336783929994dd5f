import { describe, expect, it } from 'vitest';
import type { AuditRecord } from '../../src/core/audit.js';
import type { Incident } from '../../src/core/incident.js';
import { newIncident } from '../../src/core/incident.js';
import type { IncidentSummary } from '../../src/core/incident-summary.js';
import type { Proposal } from '../../src/core/proposal.js';
import type { ChatBlocks } from '../../src/adapters/slack/delivery/chat-blocks.js';
import { rootMessage } from '../../src/adapters/slack/blocks/root-message.js';
import { proposalMessage } from '../../src/adapters/slack/blocks/proposal-message.js';
import { stepMessage } from '../../src/adapters/slack/blocks/step-message.js';
import { remediatePreview } from '../../src/adapters/slack/blocks/remediate-preview.js';
import { announcementMessage } from '../../src/adapters/slack/blocks/announcement.js';
import { onCallMessage, onCallSentence } from '../../src/adapters/slack/blocks/on-call.js';
import { incidentDetailReply, incidentListReply, incidentStatusReply, killSwitchStatusReply } from '../../src/adapters/slack/blocks/incident-reply.js';
import { CUT_MARKER, LIMITS, button, slackMessage } from '../../src/adapters/slack/blocks/text.js';

/** The longest inputs a person, an alert or AWS can send: 20,000 characters with markup in them. */
const LONG = `<!channel> *${'x'.repeat(20_000)}* <https://evil.example|bank>`;
const at = '2026-01-01T00:00:00.000Z';

const incident: Incident = (() => {
  const base = newIncident('INC-99999', { source: 'alertmanager', groupKey: 'g', fingerprint: 'f0', name: LONG, status: 'firing', severity: LONG, summary: LONG, labels: {}, annotations: {}, startsAt: at, generatorURL: `https://prom.example/${'q'.repeat(5000)}` }, new Date(at));
  for (let i = 1; i < 2000; i++) base.alerts[`f${i}`] = { ...base.alerts.f0!, fingerprint: `f${i}` };
  return { ...base, service: LONG, title: LONG, alertsOmitted: 12_345, alertsOverflow: true, acknowledgedAt: at, acknowledgedBy: 'U01ABCDEF' };
})();

function proposal(i: number, status: Proposal['status']): Proposal {
  return {
    id: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
    incidentId: incident.id,
    round: 0,
    plan: {
      runbookId: `runbook-${'r'.repeat(60)}`,
      runbookVersion: 1,
      title: LONG,
      risk: 'high',
      reversible: false,
      actionType: 'restart',
      service: LONG,
      target: LONG,
      action: { document: 'ChatOps-ECSForceNewDeployment', parameters: Object.fromEntries(Array.from({ length: 40 }, (_, k) => [`P${k}`, LONG.slice(0, 1000)])) },
      diagnostics: [],
      rollback: { description: LONG, step: { document: 'ChatOps-ECSRollback', parameters: {} } },
      digest: 'd'.repeat(64),
    },
    status,
    requestedBy: 'U01ABCDEF',
    context: { labels: {}, annotations: {} },
    approvalsRequired: 2,
    approvals: Array.from({ length: 30 }, (_, k) => ({ userId: `U0${k}ABCDEF`, at, authority: 'ON_CALL_SRE', planDigest: 'd'.repeat(64) })) as unknown as Proposal['approvals'],
    lastError: LONG,
    reason: LONG,
    createdAt: at,
    updatedAt: at,
    version: 1,
  };
}

const proposals = (['pending_approval', 'failed', 'blocked', 'withdrawn', 'rejected', 'running'] as const).flatMap((s, i) => Array.from({ length: 20 }, (_, k) => proposal(i * 100 + k, s)));
const view = { incident, proposals };

const KINDS = [
  'diagnostics.completed', 'diagnostics.dry_run', 'proposal.invalid', 'runbook.none', 'approval.requested', 'approval.granted', 'approval.rejected', 'approval.refused',
  'action.dry_run', 'action.started', 'action.progress', 'action.succeeded', 'action.failed', 'proposal.withdrawn', 'incident.resolved', 'approval.reminder',
  'incident.status_changed', 'action.refused', 'action.tracking_lost', 'action.aborted', 'escalation.triggered', 'escalation.delivery_failed', 'escalation.refused', LONG,
];

function record(kind: string): AuditRecord {
  const onCall = Array.from({ length: 200 }, (_, k) => ({ name: LONG.slice(0, 500), slackUserId: `U${k}ABCDEF`, escalationLevel: k }));
  return {
    incidentId: incident.id, kind, stepKey: 's', trigger: LONG, outcome: 'FAILURE', operator: 'U01ABCDEF', authority: LONG, alertname: LONG, runbook: LONG, targetResource: LONG, action: LONG, executionId: LONG,
    details: { reason: LONG, error: LONG, status: LONG, detail: LONG, note: LONG, scope: LONG, to: LONG, from: LONG, request: { big: LONG }, outputs: { out: [LONG] }, onCall, approvers: [LONG] },
    auditId: 'a', seq: 1, timestamp: at, prevHash: 'p', hash: 'h',
  };
}

const summary: IncidentSummary = {
  incidentId: incident.id, title: LONG, openedAt: at, resolvedAt: at, durationMs: 1, acknowledgedBy: 'U01ABCDEF', outcome: 'resolved after failed automation',
  alerts: Array.from({ length: 2000 }, () => ({ name: LONG.slice(0, 300), status: 'resolved' })),
  actions: Array.from({ length: 100 }, () => ({ runbook: LONG, target: LONG, status: 'failed', approvedBy: ['U01ABCDEF'], requestedBy: 'automated', executionId: LONG, error: LONG })),
};

/** What Slack parses for mentions and links: the fallback text and every mrkdwn text (plain_text is shown as is). */
function parsedTexts(message: ChatBlocks): string {
  const out: string[] = [message.text];
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) node.forEach(walk);
    else if (node && typeof node === 'object') {
      const o = node as Record<string, unknown>;
      if (o.type === 'mrkdwn' && typeof o.text === 'string') out.push(o.text);
      Object.values(o).forEach(walk);
    }
  };
  walk(message.blocks);
  return out.join('\n');
}

/** Every Block Kit limit the bot can run into, checked on one message; returns what is over. */
function overLimits(message: ChatBlocks): string[] {
  const problems: string[] = [];
  const over = (what: string, text: unknown, limit: number) => {
    if (typeof text === 'string' && text.length > limit) problems.push(`${what}: ${text.length} > ${limit}`);
  };
  over('message text', message.text, LIMITS.messageText);
  const blocks = message.blocks as Record<string, any>[]; // eslint-disable-line @typescript-eslint/no-explicit-any
  if (blocks.length > LIMITS.blocks) problems.push(`${blocks.length} blocks`);
  const ids = blocks.map((b) => b.block_id as string | undefined).filter((id) => id !== undefined);
  if (new Set(ids).size !== ids.length) problems.push('block_ids repeat');
  for (const id of ids) over('block_id', id, LIMITS.blockId);
  for (const b of blocks) {
    if (b.type === 'section') {
      over('section text', b.text?.text, LIMITS.sectionText);
      if ((b.fields ?? []).length > LIMITS.fields) problems.push('too many fields');
      for (const f of b.fields ?? []) over('field', f.text, LIMITS.fieldText);
    }
    if (b.type === 'header') over('header', b.text?.text, LIMITS.headerText);
    if (b.type === 'context') {
      if (b.elements.length > LIMITS.contextElements) problems.push('too many context elements');
      for (const e of b.elements) over('context element', e.text, LIMITS.contextText);
    }
    if (b.type === 'actions') {
      for (const e of b.elements) {
        over('button text', e.text?.text, LIMITS.buttonText);
        over('button value', e.value, LIMITS.buttonValue);
        over('confirm title', e.confirm?.title?.text, LIMITS.confirmTitle);
        over('confirm text', e.confirm?.text?.text, LIMITS.confirmText);
        over('confirm button', e.confirm?.confirm?.text, LIMITS.confirmButton);
      }
    }
  }
  return problems;
}

describe('every Slack message builder stays within Block Kit limits on the longest inputs', () => {
  const messages: [string, () => ChatBlocks][] = [
    ['root message', () => rootMessage(view)],
    ['proposal message (awaiting approval, with a confirm dialog)', () => proposalMessage(view, proposal(1, 'pending_approval'), undefined)],
    ['/remediate preview', () => remediatePreview(proposal(1, 'pending_approval').plan, 'k'.repeat(22))],
    ['resolution summary', () => stepMessage({ ...record('incident.summary'), details: summary as unknown as Record<string, unknown> })],
    ['kill switch announcement', () => announcementMessage({ kind: 'kill_switch', scope: LONG, engaged: true, by: 'U01ABCDEF', reason: LONG })],
    ...(['weekly_report', 'calibration'] as const).map((kind): [string, () => ChatBlocks] => [
      `${kind} announcement`,
      () => {
        const rows = Array.from({ length: 500 }, () => ({ name: LONG, count: 1 }));
        const report = { from: at, to: at, incidents: 1, topAlerts: rows, runbooks: rows.map(() => ({ runbook: LONG, runs: 9, succeeded: 1, failed: 8, successRate: 0.1 })), alertsWithoutRunbook: rows };
        const calibration = rows.map(() => ({ runbook: LONG, risk: 'low' as const, successRate: 0.1, runs: 9, proposedRisk: 'medium' as const }));
        return announcementMessage(kind === 'weekly_report' ? { kind, report } : { kind, report, calibration });
      },
    ]),
    ...KINDS.map((kind): [string, () => ChatBlocks] => [`thread line ${kind.slice(0, 40)}`, () => stepMessage(record(kind))]),
  ];

  it.each(messages)('%s', (_name, build) => {
    const message = build();
    expect(overLimits(message)).toEqual([]);
    expect(parsedTexts(message)).not.toContain('<!channel>');
    expect(parsedTexts(message)).not.toContain('<https://evil.example');
  });

  it.each([
    ['/incident list', () => incidentListReply(Array.from({ length: 20 }, () => incident))],
    ['/incident show', () => incidentDetailReply(incident.id, { incident, proposals, steps: Array.from({ length: 10 }, () => ({ seq: 1, kind: LONG, timestamp: at, operator: LONG, outcome: 'SUCCESS' })) })],
    ['@chatops status', () => incidentStatusReply(incident, proposals)],
    ['/kill-switch status', () => killSwitchStatusReply(Array.from({ length: 50 }, () => ({ scope: LONG, engaged: true, by: 'U01ABCDEF', authority: LONG, at, reason: LONG })))],
    ['/oncall', () => onCallMessage(Array.from({ length: 300 }, () => ({ name: LONG, escalationPolicy: LONG, schedule: LONG, escalationLevel: 1 })))],
    ['on-call line', () => onCallSentence(Array.from({ length: 300 }, () => ({ name: LONG, escalationLevel: 1 })))],
  ])('the %s reply stays within Slack’s text limit, with the cut marked', (_name, build) => {
    const text = build();
    expect(text.length).toBeLessThanOrEqual(LIMITS.messageText);
    expect(text).toContain(CUT_MARKER.trim().slice(0, 1));
    expect(text).not.toContain('<!channel>');
  });

  it('marks a cut text, so a reader knows there was more', () => {
    const message = slackMessage(LONG, [{ type: 'section', text: { type: 'mrkdwn', text: 'x' } }]);
    expect(message.text.endsWith(CUT_MARKER)).toBe(true);
  });

  it('gives a message new block_ids when its content changes, and keeps them when it does not (Slack asks for new ids on chat.update)', () => {
    const ids = (m: ChatBlocks) => (m.blocks as { block_id: string }[]).map((b) => b.block_id);
    const open = rootMessage({ incident: { ...incident, status: 'open' }, proposals: [] });
    const again = rootMessage({ incident: { ...incident, status: 'open' }, proposals: [] });
    const acknowledged = rootMessage({ incident: { ...incident, status: 'acknowledged' }, proposals: [] });
    expect(ids(again)).toEqual(ids(open));
    for (const id of ids(acknowledged)) expect(ids(open)).not.toContain(id);
  });

  it('keeps at most 50 blocks and says how many were cut', () => {
    const blocks = Array.from({ length: 80 }, (_, i) => ({ type: 'section', block_id: 'same', text: { type: 'mrkdwn', text: String(i) } }));
    const message = slackMessage('t', blocks);
    expect(overLimits(message)).toEqual([]);
    expect(JSON.stringify(message.blocks.at(-1))).toContain('31 more block(s) cut');
  });

  it('refuses to build a button whose value Slack would refuse, instead of cutting it into another value', () => {
    expect(() => button({ actionId: 'remediate_confirm', text: 'Confirm', value: 'v'.repeat(2001) })).toThrow(/value is 2001 characters, Slack allows 2000/);
  });
});
