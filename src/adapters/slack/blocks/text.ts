import { createHash } from 'node:crypto';
import type { ChatBlocks } from '../delivery/chat-blocks.js';

/**
 * Block Kit limits, in one place. Slack refuses a whole message (`invalid_blocks`) when one field
 * is over its limit, so every builder below cuts to these, with a visible marker.
 */
export const LIMITS = {
  sectionText: 3000,
  headerText: 150,
  fieldText: 2000,
  fields: 10,
  contextElements: 10,
  contextText: 3000,
  buttonText: 75,
  buttonValue: 2000,
  confirmTitle: 100,
  confirmText: 300,
  confirmButton: 30,
  actionElements: 25,
  blocks: 50,
  blockId: 255,
  /** Slack truncates a message's `text` past 40,000 characters and advises at most 4,000. */
  messageText: 4000,
} as const;

/** Kept for the builders that predate LIMITS. */
export const SECTION_LIMIT = LIMITS.sectionText;
export const HEADER_LIMIT = LIMITS.headerText;
export const MAX_BLOCKS = LIMITS.blocks;

/** What a cut text ends with, so a reader knows there was more (the store and audit keep it whole). */
export const CUT_MARKER = '… [cut]';

/** At most `limit` characters; a longer text is cut and ends with CUT_MARKER. */
export function truncate(text: string, limit: number): string {
  if (text.length <= limit) return text;
  if (limit <= CUT_MARKER.length) return text.slice(0, limit);
  return `${text.slice(0, limit - CUT_MARKER.length)}${CUT_MARKER}`;
}

/** Slack user ids as Slack issues them (`U…`, `W…`): the only mentions the bot writes itself. */
const USER_MENTION = /<@[UW][A-Z0-9]{2,}>/g;

/**
 * The one escape for text that reaches Slack mrkdwn from outside (alert summaries, labels, kill
 * switch reasons, runbook titles, AWS errors): `&`, `<` and `>` become entities, so the text
 * cannot mention `<!channel>`/`<!here>`, forge a `<url|label>` link or break the formatting.
 * `keepUserMentions` is for the bot's own replies, which name people as `<@U…>`: those survive,
 * everything else in `<…>` is escaped.
 */
export function escapeMrkdwn(text: string, options: { keepUserMentions?: boolean } = {}): string {
  const escape = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  if (!options.keepUserMentions) return escape(text);
  let out = '';
  let last = 0;
  for (const m of text.matchAll(USER_MENTION)) {
    out += escape(text.slice(last, m.index)) + m[0];
    last = m.index + m[0].length;
  }
  return out + escape(text.slice(last));
}

/** A link only for http(s) URLs; anything else is shown as escaped text. */
export function link(url: string | undefined, label: string): string {
  if (!url || !/^https?:\/\/[^\s<>|]+$/.test(url)) return escapeMrkdwn(label);
  return `<${url}|${escapeMrkdwn(label).replace(/\|/g, '¦')}>`;
}

export function section(text: string): Record<string, unknown> {
  return { type: 'section', text: { type: 'mrkdwn', text: truncate(text, LIMITS.sectionText) } };
}

export function fields(pairs: [string, string][]): Record<string, unknown> {
  return { type: 'section', fields: pairs.slice(0, LIMITS.fields).map(([k, v]) => ({ type: 'mrkdwn', text: truncate(`*${k}*\n${v}`, LIMITS.fieldText) })) };
}

/** A context block: at most 10 elements, each cut to Slack's limit. */
export function context(...texts: string[]): Record<string, unknown> {
  return { type: 'context', elements: texts.slice(0, LIMITS.contextElements).map((text) => ({ type: 'mrkdwn', text: truncate(text, LIMITS.contextText) })) };
}

export function header(text: string): Record<string, unknown> {
  return { type: 'header', text: { type: 'plain_text', text: truncate(text, LIMITS.headerText), emoji: true } };
}

function plain(text: string, limit: number): Record<string, unknown> {
  return { type: 'plain_text', text: truncate(text, limit) };
}

/** The dialog Slack shows before a button acts (a page, an approval that cannot be undone). */
export function confirmDialog(input: { title: string; text: string; confirm: string; deny?: string }): Record<string, unknown> {
  return {
    title: plain(input.title, LIMITS.confirmTitle),
    text: { type: 'mrkdwn', text: truncate(input.text, LIMITS.confirmText) },
    confirm: plain(input.confirm, LIMITS.confirmButton),
    deny: plain(input.deny ?? 'Cancel', LIMITS.confirmButton),
  };
}

/**
 * A button. Its `value` comes back on the click, so it is never cut (a cut value would act on
 * something else): a value over 2,000 characters is a bug in the caller, who must keep long input
 * server-side behind a short key (see `/remediate`).
 */
export function button(input: { actionId: string; text: string; value: string; style?: 'primary' | 'danger'; confirm?: Record<string, unknown> }): Record<string, unknown> {
  if (input.value.length > LIMITS.buttonValue) throw new Error(`button ${input.actionId}: value is ${input.value.length} characters, Slack allows ${LIMITS.buttonValue}`);
  return {
    type: 'button',
    action_id: input.actionId,
    text: plain(input.text, LIMITS.buttonText),
    value: input.value,
    ...(input.style ? { style: input.style } : {}),
    ...(input.confirm ? { confirm: input.confirm } : {}),
  };
}

export function actions(elements: Record<string, unknown>[], blockId?: string): Record<string, unknown> {
  return { type: 'actions', ...(blockId ? { block_id: blockId } : {}), elements: elements.slice(0, LIMITS.actionElements) };
}

/**
 * A whole message within Slack's limits: at most 50 blocks (the last one says how many were cut),
 * a fallback text of at most 4,000 characters, and block_ids that are unique in the message and
 * new for each version of it. Slack asks for a new block_id whenever a message is updated, or a
 * client may keep showing the old block; the revision is a digest of the content, so an update
 * that changes nothing keeps its ids.
 */
export function slackMessage(text: string, blocks: Record<string, unknown>[]): ChatBlocks {
  let kept = blocks;
  if (blocks.length > LIMITS.blocks) {
    kept = [...blocks.slice(0, LIMITS.blocks - 1), context(`${blocks.length - LIMITS.blocks + 1} more block(s) cut: Slack shows at most ${LIMITS.blocks}; the operator API has everything`)];
  }
  const revision = createHash('sha256').update(JSON.stringify(kept)).digest('hex').slice(0, 8);
  const seen = new Set<string>();
  const withIds = kept.map((block, i) => {
    const base = typeof block.block_id === 'string' ? block.block_id : `b${i}`;
    let id = `${base.slice(0, LIMITS.blockId - 20)}.${revision}`;
    if (seen.has(id)) id = `${id}.${i}`;
    seen.add(id);
    return { ...block, block_id: id };
  });
  return { text: truncate(text, LIMITS.messageText), blocks: withIds };
}

/** A reply through `respond()` (the request's response_url): text only, within Slack's limit. */
export function replyText(text: string): string {
  return truncate(text, LIMITS.messageText);
}

/** JSON in a code block; escaped, since Slack still parses `<!channel>` and `<url|label>` inside one. */
export function codeBlock(value: unknown, limit = LIMITS.sectionText - 40): string {
  const json = escapeMrkdwn(JSON.stringify(value, null, 2));
  return '```' + truncate(json.replace(/```/g, "'''"), limit - 6) + '```';
}

export function severityEmoji(severity: string): string {
  const s = severity.toLowerCase();
  if (s === 'critical' || s === 'error' || s === 'high') return ':red_circle:';
  if (s === 'warning' || s === 'medium') return ':large_orange_circle:';
  return ':large_blue_circle:';
}
