import type { AuditRecord } from '../../../core/audit.js';
import type { ChatBlocks } from '../delivery/chat-blocks.js';
import { escapeMrkdwn, section } from './text.js';

/** A message to the whole incident channel: a kill switch engaged or released, a report. */
export function announcementMessage(record: AuditRecord): ChatBlocks {
  const d = record.details ?? {};
  let text: string;
  if (record.kind === 'killswitch.engaged' || record.kind === 'killswitch.released') {
    const verb = record.kind === 'killswitch.engaged' ? ':octagonal_sign: engaged' : ':large_green_circle: released';
    const reason = typeof d.reason === 'string' && d.reason ? `: ${escapeMrkdwn(d.reason)}` : '';
    text = `Kill switch \`${escapeMrkdwn(String(d.scope ?? record.targetResource ?? ''))}\` ${verb} by <@${record.operator}>${reason}`;
  } else {
    text = typeof d.text === 'string' ? d.text : `${record.kind} ${record.timestamp}`;
  }
  return { text: text.replace(/\*/g, ''), blocks: [section(text)] };
}
