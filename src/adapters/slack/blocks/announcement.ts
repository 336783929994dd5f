import type { AuditRecord } from '../../../core/audit.js';
import type { ChatBlocks } from '../delivery/chat-blocks.js';
import { escapeMrkdwn, section } from './text.js';
import { mentionOf } from '../../../core/policy/authority.js';

/** A mention the bot itself wrote (`<@U…>`), kept as it is; anything else is escaped. */
const SLACK_MENTION = /^<@[UW][A-Z0-9]{2,}>$/;

/** A message to the whole incident channel: a kill switch engaged or released, a report. */
export function announcementMessage(record: AuditRecord): ChatBlocks {
  const d = record.details ?? {};
  let text: string;
  if (record.kind === 'killswitch.engaged' || record.kind === 'killswitch.released') {
    const verb = record.kind === 'killswitch.engaged' ? ':octagonal_sign: engaged' : ':large_green_circle: released';
    const reason = typeof d.reason === 'string' && d.reason ? `: ${escapeMrkdwn(d.reason)}` : '';
    // `by` is how the operator is shown (a Slack mention, or an API caller's name); older records have only the operator id.
    const by = typeof d.by === 'string' ? (SLACK_MENTION.test(d.by) ? d.by : escapeMrkdwn(d.by)) : mentionOf(record.operator);
    text = `Kill switch \`${escapeMrkdwn(String(d.scope ?? record.targetResource ?? ''))}\` ${verb} by ${by}${d.via === 'api' ? ' (operator API)' : ''}${reason}`;
  } else {
    text = typeof d.text === 'string' ? d.text : `${record.kind} ${record.timestamp}`;
  }
  return { text: text.replace(/\*/g, ''), blocks: [section(text)] };
}
