/**
 * Slack's limits, kept on our side so a busy incident channel never earns a 429:
 * - chat.postMessage: about one message a second per channel (Slack's special limit for posting);
 * - chat.update: Tier 3, about 50 a minute for the whole workspace.
 * A 429 still happens (another app, another replica during a hand-over): `pauseChannel` and
 * `pauseUpdates` hold the calls Slack asked to hold, for as long as its Retry-After says.
 */
export interface PacerOptions {
  /** Gap between two posts in one channel. */
  postIntervalMs: number;
  /** chat.update calls allowed in any `updateWindowMs`. */
  updatesPerWindow: number;
  updateWindowMs: number;
}

export interface Pacer {
  /** Milliseconds until a post may go to `channel` (0: now). */
  postWait(channel: string, now: number): number;
  posted(channel: string, now: number): void;
  pauseChannel(channel: string, until: number): void;
  /** Milliseconds until an update may go out (0: now). */
  updateWait(now: number): number;
  updated(now: number): void;
  pauseUpdates(until: number): void;
}

export function createPacer(options: PacerOptions): Pacer {
  const nextPost = new Map<string, number>();
  const updates: number[] = [];
  let updatesPausedUntil = 0;
  return {
    postWait(channel, now) {
      return Math.max(0, (nextPost.get(channel) ?? 0) - now);
    },
    posted(channel, now) {
      nextPost.set(channel, Math.max(nextPost.get(channel) ?? 0, now + options.postIntervalMs));
    },
    pauseChannel(channel, until) {
      nextPost.set(channel, Math.max(nextPost.get(channel) ?? 0, until));
    },
    updateWait(now) {
      while (updates.length > 0 && (updates[0] as number) + options.updateWindowMs <= now) updates.shift();
      const windowWait = updates.length >= options.updatesPerWindow ? (updates[0] as number) + options.updateWindowMs - now : 0;
      return Math.max(0, windowWait, updatesPausedUntil - now);
    },
    updated(now) {
      updates.push(now);
    },
    pauseUpdates(until) {
      updatesPausedUntil = Math.max(updatesPausedUntil, until);
    },
  };
}
