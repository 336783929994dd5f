import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { apiRateLimit } from '../../src/adapters/http/middleware/api-rate-limit.js';
import type { OperatorVariables } from '../../src/adapters/http/operator-auth.js';

/** The limiter in front of a route, with a clock the test moves and the bursts it reported. */
function limited(perMinute: number) {
  let now = 1_000_000;
  const bursts: string[] = [];
  const app = new Hono<{ Variables: OperatorVariables }>();
  app.use('*', async (c, next) => {
    c.set('operator', { id: c.req.header('x-client') ?? 'anon', display: 'x', authorities: [], via: 'api' });
    await next();
  });
  app.use('*', apiRateLimit({ perMinute, now: () => now, onBurst: (client) => bursts.push(client) }));
  app.get('/api/audit', (c) => c.json({ ok: true }));
  return {
    get: (client: string) => app.request('/api/audit', { headers: { 'x-client': client } }),
    advance: (ms: number) => void (now += ms),
    bursts,
  };
}

describe('the per-client rate limit on /api/*', () => {
  it('answers the first perMinute requests, then 429 with Retry-After until a request is allowed again', async () => {
    const api = limited(3);
    for (let i = 0; i < 3; i++) expect((await api.get('alice')).status).toBe(200);
    const refused = await api.get('alice');
    expect(refused.status).toBe(429);
    // One request every 20 s at 3 a minute.
    expect(refused.headers.get('retry-after')).toBe('20');
    expect(((await refused.json()) as { error: string }).error).toContain('API_RATE_LIMIT_PER_MINUTE');
    api.advance(20_000);
    expect((await api.get('alice')).status).toBe(200);
    expect((await api.get('alice')).status).toBe(429);
  });

  it('counts each client on its own', async () => {
    const api = limited(1);
    expect((await api.get('alice')).status).toBe(200);
    expect((await api.get('alice')).status).toBe(429);
    expect((await api.get('bob')).status).toBe(200);
  });

  it('reports a burst once, and again only after the bucket has filled up', async () => {
    const api = limited(2);
    for (let i = 0; i < 10; i++) await api.get('alice');
    expect(api.bursts).toEqual(['alice']);
    // Half refilled: still the same burst.
    api.advance(30_000);
    for (let i = 0; i < 5; i++) await api.get('alice');
    expect(api.bursts).toEqual(['alice']);
    api.advance(60_000);
    for (let i = 0; i < 5; i++) await api.get('alice');
    expect(api.bursts).toEqual(['alice', 'alice']);
  });
});
