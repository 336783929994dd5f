/** Slack limits (Block Kit): 3,000 characters a section, 150 a header, 50 blocks a message. */
export const SECTION_LIMIT = 3000;
export const HEADER_LIMIT = 150;
export const MAX_BLOCKS = 50;

/**
 * Escapes text that came from outside (alert summaries, labels) so it cannot mention
 * `<!channel>`, forge links or break formatting in mrkdwn.
 */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

export function truncate(text: string, limit: number): string {
  return text.length <= limit ? text : `${text.slice(0, limit - 1)}…`;
}

/** A link only for http(s) URLs; anything else is shown as escaped text. */
export function link(url: string | undefined, label: string): string {
  if (!url || !/^https?:\/\/[^\s<>|]+$/.test(url)) return escapeMrkdwn(label);
  return `<${url}|${escapeMrkdwn(label).replace(/\|/g, '¦')}>`;
}

export function section(text: string): Record<string, unknown> {
  return { type: 'section', text: { type: 'mrkdwn', text: truncate(text, SECTION_LIMIT) } };
}

export function fields(pairs: [string, string][]): Record<string, unknown> {
  // Slack allows at most 10 fields of 2,000 characters each.
  return { type: 'section', fields: pairs.slice(0, 10).map(([k, v]) => ({ type: 'mrkdwn', text: truncate(`*${k}*\n${v}`, 2000) })) };
}

export function context(text: string): Record<string, unknown> {
  return { type: 'context', elements: [{ type: 'mrkdwn', text: truncate(text, SECTION_LIMIT) }] };
}

export function header(text: string): Record<string, unknown> {
  return { type: 'header', text: { type: 'plain_text', text: truncate(text, HEADER_LIMIT), emoji: true } };
}

/** JSON in a code block; escaped, since Slack still parses `<!channel>` and `<url|label>` inside one. */
export function codeBlock(value: unknown, limit = SECTION_LIMIT - 10): string {
  const json = escapeMrkdwn(JSON.stringify(value, null, 2));
  return '```' + truncate(json.replace(/```/g, "'''"), limit) + '```';
}

export function severityEmoji(severity: string): string {
  const s = severity.toLowerCase();
  if (s === 'critical' || s === 'error' || s === 'high') return ':red_circle:';
  if (s === 'warning' || s === 'medium') return ':large_orange_circle:';
  return ':large_blue_circle:';
}
