/** A Slack message as the bot builds it: Block Kit blocks and the plain-text fallback. */
export interface ChatBlocks {
  /** What notifications and screen readers show. */
  text: string;
  blocks: unknown[];
}
