import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { AuditRecord } from '../../src/core/audit.js';
import { manualClock } from '../integration/stores/harness.js';
import { SECRETS, startHarness } from './harness.js';
import type { Harness } from './harness.js';

const operator = { authorization: `Bearer ${SECRETS.OPERATOR_TOKEN}` };
const alertToken = { authorization: `Bearer ${SECRETS.ALERT_WEBHOOK_TOKEN}` };
const generic = (name: string) => JSON.stringify({ name, severity: 'info', service: 'probe', summary: 'probe', status: 'resolved' });

/** A raw request: declared headers and only `send` bytes of body; resolves with the answer, whatever the client side sees. */
function rawPost(url: string, headers: Record<string, string | number>, chunks: Buffer[]): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    // The server may close while we still write: that is the point, not a failure.
    req.on('error', (err) => (String(err).includes('EPIPE') || String(err).includes('ECONNRESET') ? undefined : reject(err)));
    for (const c of chunks) req.write(c);
    // Never end a body the server should refuse before it arrives; the answer must not wait for it.
    if (headers['content-length'] === undefined || Number(headers['content-length']) === chunks.reduce((n, c) => n + c.length, 0)) req.end();
  });
}

describe('HTTP hardening', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness({ DRY_RUN: 'true' });
  });
  afterAll(async () => h.close());

  const routes: [string, string, RequestInit][] = [
    ['GET /healthz', '/healthz', {}],
    ['GET /readyz', '/readyz', {}],
    ['GET /metrics', '/metrics', {}],
    ['GET /console', '/console', {}],
    ['GET /console/console.js', '/console/console.js', {}],
    ['GET /console/console.css', '/console/console.css', {}],
    ['GET /console/config.json', '/console/config.json', {}],
    ['GET /api/incidents (200)', '/api/incidents', { headers: operator }],
    ['GET /api/incidents without a token (401)', '/api/incidents', {}],
    ['POST /alerts/generic (200)', '/alerts/generic', { method: 'POST', headers: { ...alertToken, 'content-type': 'application/json' }, body: generic('HeadersProbe') }],
    ['POST /alerts/generic as text/plain (415)', '/alerts/generic', { method: 'POST', headers: { ...alertToken, 'content-type': 'text/plain' }, body: generic('HeadersProbe') }],
    ['POST /slack/events unsigned (401)', '/slack/events', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'payload=%7B%7D' }],
    ['GET an unknown route (404)', '/nothing-here', {}],
  ];

  it.each(routes)('sends the security headers on %s', async (_what, path, init) => {
    const res = await fetch(`${h.bot.url}${path}`, init);
    await res.arrayBuffer();
    const csp = res.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).toContain("frame-ancestors 'none'");
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('x-frame-options')).toBe('DENY');
    expect(res.headers.get('referrer-policy')).toBe('same-origin');
    // Plain HTTP: no HSTS.
    expect(res.headers.get('strict-transport-security')).toBeNull();
  });

  it('sends them on the live stream too', async () => {
    const controller = new AbortController();
    const res = await fetch(`${h.bot.url}/api/events`, { headers: operator, signal: controller.signal });
    expect(res.headers.get('content-type')).toContain('text/event-stream');
    expect(res.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    controller.abort();
  });

  it('adds HSTS when served over HTTPS (behind a proxy that says so)', async () => {
    const res = await fetch(`${h.bot.url}/healthz`, { headers: { 'x-forwarded-proto': 'https' } });
    expect(res.headers.get('strict-transport-security')).toBe('max-age=31536000; includeSubDomains');
  });

  it('says on /healthz whether dry run is on', async () => {
    expect(await (await fetch(`${h.bot.url}/healthz`)).json()).toEqual({ status: 'ok', dryRun: true });
  });

  it('refuses a declared 17 MiB alert with 413 before the body arrives', async () => {
    const res = await rawPost(`${h.bot.url}/alerts/alertmanager`, { ...alertToken, 'content-type': 'application/json', 'content-length': 17 * 1024 * 1024 }, [Buffer.alloc(1024, 0x20)]);
    expect(res.status).toBe(413);
    expect(res.headers.connection).toBe('close');
    expect(JSON.parse(res.body)).toEqual({ error: `body: larger than ${16 * 1024 * 1024} bytes`, field: 'body' });
  });

  it('stores an alert whose body is sent chunked, and one with a declared length, alike', async () => {
    const chunked = Buffer.from(generic('ChunkedBodyProbe'));
    const res = await rawPost(`${h.bot.url}/alerts/generic`, { ...alertToken, 'content-type': 'application/json', 'transfer-encoding': 'chunked' }, [chunked.subarray(0, 20), chunked.subarray(20)]);
    expect(res.status, res.body).toBe(200);
    const declared = Buffer.from(generic('DeclaredBodyProbe'));
    const res2 = await rawPost(`${h.bot.url}/alerts/generic`, { ...alertToken, 'content-type': 'application/json', 'content-length': declared.length }, [declared]);
    expect(res2.status, res2.body).toBe(200);
    expect(JSON.parse(res2.body)).toMatchObject({ accepted: 1 });
  });

  it('refuses a chunked alert body with 413 once it passes 16 MiB', async () => {
    const chunk = Buffer.alloc(1024 * 1024, 0x20);
    const res = await rawPost(`${h.bot.url}/alerts/alertmanager`, { ...alertToken, 'content-type': 'application/json', 'transfer-encoding': 'chunked' }, Array.from({ length: 17 }, () => chunk));
    expect(res.status).toBe(413);
  });

  it('refuses a chunked operator body with 413 as soon as it passes 64 KiB', async () => {
    const chunk = Buffer.alloc(16 * 1024, 0x20);
    const res = await rawPost(`${h.bot.url}/api/kill-switches`, { ...operator, 'content-type': 'application/json', 'transfer-encoding': 'chunked' }, [chunk, chunk, chunk, chunk, chunk]);
    expect(res.status).toBe(413);
    expect(await h.bot.deps.killSwitches.listEngaged()).toEqual([]);
  });

  it.each([
    ['/alerts/alertmanager', 'text/plain'],
    ['/alerts/alertmanager', 'application/x-www-form-urlencoded'],
    ['/alerts/generic', 'text/plain; charset=utf-8'],
    ['/alerts/cloudwatch', 'application/x-www-form-urlencoded'],
  ])('refuses %s sent as %s with 415 naming the expected type', async (route, type) => {
    const res = await h.postAlert(route, generic('MediaTypeProbe'), { 'content-type': type });
    expect(res.status).toBe(415);
    const body = (await res.json()) as { error: string; field: string };
    expect(body.field).toBe('content-type');
    expect(body.error).toContain('expected application/json');
  });
});

describe('the per-client rate limit on /api/*', () => {
  let h: Harness;
  // Still unless moved: no token comes back while the test sends, however slow the machine.
  const clock = manualClock(new Date().toISOString());

  beforeAll(async () => {
    h = await startHarness({ DRY_RUN: 'true', API_RATE_LIMIT_PER_MINUTE: '3' }, { clock });
  });
  afterAll(async () => h.close());

  it('answers 429 with Retry-After past the limit, and audits the burst once', async () => {
    const statuses: number[] = [];
    let retryAfter: string | null = null;
    for (let i = 0; i < 12; i++) {
      const res = await fetch(`${h.bot.url}/api/audit`, { headers: operator });
      statuses.push(res.status);
      if (res.status === 429) retryAfter = res.headers.get('retry-after');
      await res.arrayBuffer();
    }
    expect(statuses).toEqual([200, 200, 200, ...Array<number>(9).fill(429)]);
    // Three a minute: the next one comes back in 20 s, and then one request goes through.
    expect(retryAfter).toBe('20');
    clock.advance(20_000);
    expect((await fetch(`${h.bot.url}/api/audit`, { headers: operator })).status).toBe(200);
    expect((await fetch(`${h.bot.url}/api/audit`, { headers: operator })).status).toBe(429);
    let records: AuditRecord[] = [];
    await vi.waitFor(async () => {
      records = await h.bot.deps.audit.query({ incident: 'CONTROLS', kind: 'api.rate_limited' });
      expect(records.length).toBeGreaterThan(0);
    }, { timeout: 10_000, interval: 20 });
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({ operator: 'operator-token', trigger: 'api', outcome: 'FAILURE', details: { path: '/api/audit', perMinute: 3 } });
  });

  it('never limits alerts, health, readiness or metrics', async () => {
    for (let i = 0; i < 10; i++) {
      expect((await h.postAlert('/alerts/generic', generic(`Unlimited${i}`))).status).toBe(200);
      for (const path of ['/healthz', '/readyz', '/metrics']) expect((await fetch(`${h.bot.url}${path}`)).status).toBe(200);
    }
  });
});
