import type { MiddlewareHandler } from 'hono';
import type { OperatorVariables } from '../operator-auth.js';

export interface ApiRateLimitOptions {
  /** API_RATE_LIMIT_PER_MINUTE: a client's bucket holds this many requests and refills at this rate. */
  perMinute: number;
  now: () => number;
  /** Called once per burst: the first refusal after the client's bucket was last full. */
  onBurst: (client: string, path: string) => void;
  /** Buckets kept at most; full ones are forgotten first (a full bucket is the same as none). */
  maxClients?: number;
}

interface Bucket {
  tokens: number;
  at: number;
  /** True from the first refusal until the bucket is full again: one audit record per burst. */
  limited: boolean;
}

/**
 * A token bucket per client of `/api/*`, in this replica's memory: a client is the signed-in
 * operator (an OIDC subject, the static token, or a loopback caller), so a user keeps one budget
 * whatever address they come from, and callers behind one proxy do not share one. Runs after
 * authentication. Over the limit: 429 with Retry-After (seconds until one request is allowed).
 */
export function apiRateLimit(options: ApiRateLimitOptions): MiddlewareHandler<{ Variables: OperatorVariables }> {
  const capacity = options.perMinute;
  const perMs = options.perMinute / 60_000;
  const maxClients = options.maxClients ?? 10_000;
  const buckets = new Map<string, Bucket>();

  function refill(b: Bucket, now: number): void {
    b.tokens = Math.min(capacity, b.tokens + Math.max(0, now - b.at) * perMs);
    b.at = now;
    if (b.tokens >= capacity) b.limited = false;
  }

  function forgetFull(now: number): void {
    for (const [client, b] of buckets) {
      refill(b, now);
      if (b.tokens >= capacity) buckets.delete(client);
    }
  }

  return async (c, next) => {
    const client = c.var.operator.id;
    const now = options.now();
    let b = buckets.get(client);
    if (!b) {
      if (buckets.size >= maxClients) forgetFull(now);
      b = { tokens: capacity, at: now, limited: false };
      buckets.set(client, b);
    }
    refill(b, now);
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return next();
    }
    if (!b.limited) {
      b.limited = true;
      options.onBurst(client, c.req.path);
    }
    const retryAfter = Math.max(1, Math.ceil((1 - b.tokens) / perMs / 1000));
    return c.json({ error: `rate limit: at most ${capacity} /api requests a minute per client (API_RATE_LIMIT_PER_MINUTE); retry in ${retryAfter} s` }, 429, { 'Retry-After': String(retryAfter) });
  };
}
