import { api } from '@pagerduty/pdjs';
import type { APIResponse } from '@pagerduty/pdjs/build/src/api.js';
import type { Logger } from 'pino';
import { z } from 'zod';
import type { OnCall } from '../../services/pager.js';
import { describeError } from '../executors/retry.js';

export interface OnCallDirectoryOptions {
  /** PAGERDUTY_API_URL, e.g. https://api.pagerduty.com or https://api.eu.pagerduty.com. */
  apiUrl: string;
  /** PAGERDUTY_API_TOKEN (REST API key; read-only is enough). */
  token: string;
  log: Logger;
  /** Slack user id for an email (users.lookupByEmail), when Slack is configured. */
  slackUserIdFor?: (email: string) => Promise<string | undefined>;
  /** How long one answer from PagerDuty is reused. */
  ttlMs?: number;
  /** For the whole lookup of one page, PagerDuty's own 429 retries included. */
  timeoutMs?: number;
  now?: () => number;
}

const reference = z.object({ summary: z.string().optional(), name: z.string().optional(), email: z.string().optional() }).passthrough();

/** The parts of PagerDuty REST v2 `GET /oncalls` the bot reads; anything else is ignored. */
const oncallsPage = z.object({
  oncalls: z.array(
    z
      .object({
        user: reference.nullish(),
        escalation_policy: reference.nullish(),
        escalation_level: z.number().int().nullish(),
        schedule: reference.nullish(),
      })
      .passthrough(),
  ),
  more: z.boolean().nullish(),
});

const PAGE_SIZE = 100;
/** Enough for every real on-call list with earliest=true; a runaway `more` stops here. */
const MAX_PAGES = 5;

/**
 * Who is on call now, from PagerDuty REST v2 `GET /oncalls?earliest=true` (one entry per user,
 * escalation policy and level). Answers are cached for `ttlMs` and concurrent callers share one
 * request, so an escalation storm asks PagerDuty once. Never throws: a failure is logged and
 * answered with an empty list, since callers (escalations, /oncall) must carry on without it.
 */
export function createOnCallDirectory(options: OnCallDirectoryOptions): () => Promise<OnCall[]> {
  const ttlMs = options.ttlMs ?? 60_000;
  const timeoutMs = options.timeoutMs ?? 5_000;
  const now = options.now ?? Date.now;
  const log = options.log.child({ component: 'pagerduty-oncall' });
  const base = options.apiUrl.replace(/\/+$/, '');
  let cached: { at: number; list: OnCall[] } | undefined;
  let inFlight: Promise<OnCall[]> | undefined;

  /**
   * One page through pdjs's REST client: `api({ url })` takes the full URL (so PAGERDUTY_API_URL,
   * the EU region or a test server, is honoured) and sends PagerDuty's versioned
   * `Accept: application/vnd.pagerduty+json;version=2` and `Authorization: Token token=…`.
   * pdjs's own timeout option does nothing, so the request carries an abort signal; its 429
   * retries are kept short, since a cached list is better than a late one.
   */
  async function page(offset: number): Promise<z.infer<typeof oncallsPage>> {
    let res: APIResponse;
    try {
      res = await api({
        url: `${base}/oncalls`,
        token: options.token,
        tokenType: 'token',
        data: { earliest: 'true', 'include[]': ['users'], limit: String(PAGE_SIZE), offset: String(offset) },
        signal: AbortSignal.timeout(timeoutMs),
        retryTimeout: 1000,
      });
    } catch (err) {
      // pdjs rejects with the response itself when the body is not JSON.
      if (err instanceof Error) throw err;
      const status = (err as { status?: unknown } | undefined)?.status;
      throw new Error(`GET /oncalls answered ${typeof status === 'number' ? `HTTP ${status} ` : ''}with a body that is not JSON`);
    }
    if (!res.ok) throw new Error(`GET /oncalls answered HTTP ${res.status}${res.status === 401 ? ' (check PAGERDUTY_API_TOKEN)' : ''}`);
    const parsed = oncallsPage.safeParse(res.data);
    if (!parsed.success) throw new Error(`GET /oncalls answered an unexpected shape: ${parsed.error.issues[0]?.path.join('.') ?? ''} ${parsed.error.issues[0]?.message ?? ''}`);
    return parsed.data;
  }

  async function load(): Promise<OnCall[]> {
    const list: OnCall[] = [];
    for (let n = 0; n < MAX_PAGES; n++) {
      const { oncalls, more } = await page(n * PAGE_SIZE);
      for (const o of oncalls) list.push(toOnCall(o));
      if (!more) break;
    }
    if (options.slackUserIdFor) {
      const lookup = options.slackUserIdFor;
      await Promise.all(
        list.map(async (o) => {
          const id = o.email ? await lookup(o.email) : undefined;
          if (id) o.slackUserId = id;
        }),
      );
    }
    return list.sort(byPolicyLevelName);
  }

  return async () => {
    if (cached && now() - cached.at < ttlMs) return cached.list;
    inFlight ??= load()
      .then((list) => {
        cached = { at: now(), list };
        return list;
      })
      .catch((err: unknown) => {
        log.warn({ error: describeError(err) }, 'could not read who is on call from PagerDuty');
        return [];
      })
      .finally(() => {
        inFlight = undefined;
      });
    return inFlight;
  };
}

function toOnCall(o: z.infer<typeof oncallsPage>['oncalls'][number]): OnCall {
  const entry: OnCall = { name: o.user?.name ?? o.user?.summary ?? 'unknown user' };
  if (o.user?.email) entry.email = o.user.email;
  if (o.escalation_policy?.summary) entry.escalationPolicy = o.escalation_policy.summary;
  if (typeof o.escalation_level === 'number') entry.escalationLevel = o.escalation_level;
  if (o.schedule?.summary) entry.schedule = o.schedule.summary;
  return entry;
}

function byPolicyLevelName(a: OnCall, b: OnCall): number {
  return (
    (a.escalationPolicy ?? '').localeCompare(b.escalationPolicy ?? '') ||
    (a.escalationLevel ?? Number.MAX_SAFE_INTEGER) - (b.escalationLevel ?? Number.MAX_SAFE_INTEGER) ||
    a.name.localeCompare(b.name)
  );
}
