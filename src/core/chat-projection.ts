import type { AuditRecord } from './audit.js';

/**
 * What an incident's Slack thread shows, derived from its audit trail. The trail is durable and in
 * order, so the thread needs only a cursor ("shown up to seq N"): whatever lies after it is still to
 * be posted, whoever posts it and however often the bot restarted in between.
 */

/** Steps the root message shows instead of a thread line. */
const ROOT_ONLY_KINDS = new Set(['alert.received', 'incident.opened']);
/** About delivery itself: shown in the thread they would loop. */
const DELIVERY_KINDS = new Set(['chat.delivery_failed']);

/** Records of the CONTROLS partition that are announced to the whole channel. */
const ANNOUNCED_KINDS = new Set(['killswitch.engaged', 'killswitch.released', 'report.weekly', 'report.calibration', 'catalogue.loaded', 'catalogue.rejected']);

/** The proposal a record asks the thread to show with buttons, if any. */
export function proposalMessageOf(record: AuditRecord): string | undefined {
  if (record.kind !== 'approval.requested') return undefined;
  const id = record.details?.proposalId;
  return typeof id === 'string' ? id : undefined;
}

/** Whether a record gets a line in its incident's thread. */
export function isThreadLine(record: AuditRecord): boolean {
  if (ROOT_ONLY_KINDS.has(record.kind) || DELIVERY_KINDS.has(record.kind)) return false;
  // A proposal that waits for people gets its own message (plan and buttons); one that runs by
  // itself is shown as a line, so the thread still says what will run.
  if (record.kind === 'proposal.created') return record.details?.approvalsRequired === 0;
  return true;
}

export function isAnnouncement(record: AuditRecord): boolean {
  return ANNOUNCED_KINDS.has(record.kind);
}

/**
 * The next thing to post in a thread, from the records after its cursor (in seq order):
 * - `proposal`: the message (plan and buttons) of a proposal that now awaits approval;
 * - `lines`: the thread lines up to the next such proposal, to go out together as one message;
 * - `skip`: only records the thread does not show: move the cursor to `lastSeq` without posting.
 * Undefined when nothing is left.
 */
export type ThreadPost =
  | { kind: 'proposal'; proposalId: string; record: AuditRecord }
  | { kind: 'lines'; records: AuditRecord[] }
  | { kind: 'skip'; lastSeq: number };

export function nextThreadPost(after: readonly AuditRecord[], hasProposalMessage: (proposalId: string) => boolean): ThreadPost | undefined {
  const lines: AuditRecord[] = [];
  let lastSeq: number | undefined;
  for (const record of after) {
    const proposalId = proposalMessageOf(record);
    if (proposalId !== undefined && !hasProposalMessage(proposalId)) {
      // Lines before the proposal go first, so the thread keeps the order things happened in.
      if (lines.length > 0) return { kind: 'lines', records: lines };
      if (lastSeq !== undefined) return { kind: 'skip', lastSeq };
      return { kind: 'proposal', proposalId, record };
    }
    if (isThreadLine(record) && proposalId === undefined) lines.push(record);
    lastSeq = record.seq;
  }
  if (lines.length > 0) return { kind: 'lines', records: lines };
  return lastSeq === undefined ? undefined : { kind: 'skip', lastSeq };
}
