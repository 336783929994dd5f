import type { WebClient } from '@slack/web-api';
import type { Logger } from 'pino';

/**
 * The Slack user id for an email address (`users.lookupByEmail`, scope users:read.email), so the
 * on-call named by PagerDuty can be mentioned. Answers, "no such user" included, are cached for
 * `ttlMs`; a failed lookup (rate limit, network) is not cached and answers undefined: the person
 * is then shown by name, without a mention.
 */
export function createEmailDirectory({ client, log, ttlMs = 60 * 60_000, now = () => Date.now() }: {
  client: WebClient;
  log: Logger;
  ttlMs?: number;
  now?: () => number;
}): (email: string) => Promise<string | undefined> {
  const cache = new Map<string, { at: number; userId: string | undefined }>();
  return async (email) => {
    const key = email.toLowerCase();
    const hit = cache.get(key);
    if (hit && now() - hit.at < ttlMs) return hit.userId;
    try {
      const res = await client.users.lookupByEmail({ email });
      const userId = res.user?.id;
      cache.set(key, { at: now(), userId });
      return userId;
    } catch (err) {
      if ((err as { data?: { error?: string } }).data?.error === 'users_not_found') {
        cache.set(key, { at: now(), userId: undefined });
        return undefined;
      }
      log.warn({ err }, 'could not look up a Slack user by email; showing the on-call by name');
      return undefined;
    }
  };
}
