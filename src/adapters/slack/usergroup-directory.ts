import type { WebClient } from '@slack/web-api';
import type { Logger } from 'pino';

/**
 * Which of the policy's Slack user groups a user is in. Member lists are cached briefly; if Slack
 * cannot answer, the user is treated as in no group (fewer rights, never more).
 */
export function createUsergroupDirectory({ client, groups, log, ttlMs = 60_000, now = () => Date.now() }: {
  client: WebClient;
  /** The policy's groups, or a function returning them now (the policy can be reloaded). */
  groups: readonly string[] | (() => readonly string[]);
  log: Logger;
  ttlMs?: number;
  now?: () => number;
}): (userId: string) => Promise<string[]> {
  const cache = new Map<string, { at: number; members: Set<string> }>();
  async function members(group: string): Promise<Set<string>> {
    const hit = cache.get(group);
    if (hit && now() - hit.at < ttlMs) return hit.members;
    try {
      const res = await client.usergroups.users.list({ usergroup: group });
      const set = new Set(res.users ?? []);
      cache.set(group, { at: now(), members: set });
      return set;
    } catch (err) {
      log.warn({ usergroup: group, error: (err as Error).message }, 'could not read Slack user group members; treating users as not members for a minute');
      // Remembered like an answer: a missing group or a rate-limited method must not cost a Slack
      // call (and a warning) on every click.
      const none = new Set<string>();
      cache.set(group, { at: now(), members: none });
      return none;
    }
  }
  return async (userId) => {
    const result: string[] = [];
    for (const g of typeof groups === 'function' ? groups() : groups) if ((await members(g)).has(userId)) result.push(g);
    return result;
  };
}
