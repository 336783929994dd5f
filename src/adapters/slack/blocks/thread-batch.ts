import type { AuditRecord } from '../../../core/audit.js';
import type { ChatBlocks } from '../delivery/chat-blocks.js';
import { stepMessage } from './step-message.js';
import { MAX_BLOCKS, truncate } from './text.js';

/** Slack shows at most this much of a message's fallback text in a notification. */
const TEXT_LIMIT = 3000;

/**
 * Thread lines that waited together go out as one message: each record's blocks (its line, its
 * payload, and its context: kind, audit seq, time) in order, as many records as fit in Slack's 50
 * blocks. `count` says how many that was (at least one), so the cursor moves past exactly those.
 */
export function threadBatch(records: readonly AuditRecord[]): { message: ChatBlocks; count: number } {
  const blocks: unknown[] = [];
  const texts: string[] = [];
  let count = 0;
  for (const record of records) {
    const step = stepMessage(record);
    if (count > 0 && blocks.length + step.blocks.length > MAX_BLOCKS) break;
    blocks.push(...step.blocks.slice(0, MAX_BLOCKS));
    texts.push(step.text);
    count++;
  }
  return { message: { text: truncate(texts.join('\n'), TEXT_LIMIT), blocks }, count };
}
