import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Incident } from '../../src/core/incident.js';
import { startHarness } from './harness.js';
import type { Harness } from './harness.js';

/** node:http, because fetch will not send a Host header of our choosing. */
function send(url: string, method: string, headers: Record<string, string>, body?: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const alert = JSON.stringify({ name: 'CrossSiteProbe', severity: 'critical', service: 'checkout-api', summary: 'sent by a web page', status: 'firing' });

describe('loopback mode (no tokens) refuses what a browser could be tricked into sending', () => {
  let h: Harness;
  let host: string;

  beforeAll(async () => {
    // Empty counts as unset: the quick-start default, where only loopback callers are let in.
    h = await startHarness({ ALERT_WEBHOOK_TOKEN: '', OPERATOR_TOKEN: '', DRY_RUN: 'true' });
    host = new URL(h.bot.url).host;
  });
  afterAll(async () => h.close());

  const incidents = async () => JSON.parse((await send(`${h.bot.url}/api/incidents`, 'GET', {})).body) as { incidents: Incident[] };

  it('refuses the text/plain cross-site POST to /alerts/generic (no CORS preflight needed) with 403, and stores nothing', async () => {
    const res = await send(`${h.bot.url}/alerts/generic`, 'POST', { 'content-type': 'text/plain', origin: 'https://evil.example' }, alert);
    expect(res.status).toBe(403);
    expect(JSON.parse(res.body).error).toContain('cross-site request from "https://evil.example" refused');
    await h.settle();
    expect((await incidents()).incidents).toEqual([]);
    expect(await h.bot.deps.audit.query({ n: 1000 })).toEqual([]);
  });

  it.each([
    ['a JSON alert from another site', '/alerts/generic', 'POST', { 'content-type': 'application/json', origin: 'https://evil.example' }],
    ['a kill switch from another site', '/api/kill-switches', 'POST', { 'content-type': 'application/json', origin: 'http://localhost:9999' }],
    ['a read with Origin: null (a sandboxed frame)', '/api/incidents', 'GET', { origin: 'null' }],
  ])('refuses %s with 403', async (_what, path, method, headers) => {
    const body = path === '/api/kill-switches' ? JSON.stringify({ scope: 'global', state: 'off', reason: 'x' }) : alert;
    const res = await send(`${h.bot.url}${path}`, method, headers, method === 'POST' ? body : undefined);
    expect(res.status).toBe(403);
    expect(await h.bot.deps.killSwitches.listEngaged()).toEqual([]);
  });

  it.each(['/api/incidents', '/console', '/console/console.js', '/alerts/generic'])('refuses %s under a Host that is not loopback (DNS rebinding) with 403', async (path) => {
    const post = path.startsWith('/alerts/');
    const res = await send(`${h.bot.url}${path}`, post ? 'POST' : 'GET', { host: `rebind.evil.example:${new URL(h.bot.url).port}`, ...(post ? { 'content-type': 'application/json' } : {}) }, post ? alert : undefined);
    expect(res.status).toBe(403);
    expect(JSON.parse(res.body).error).toContain('is not a loopback name');
  });

  it('accepts a tool on this machine (no Origin) and the console page itself (its own Origin)', async () => {
    expect((await send(`${h.bot.url}/api/incidents`, 'GET', { host: `localhost:${new URL(h.bot.url).port}` })).status).toBe(200);
    const own = await send(`${h.bot.url}/api/kill-switches`, 'POST', { 'content-type': 'application/json', origin: `http://${host}` }, JSON.stringify({ scope: 'global', state: 'on', reason: 'loopback test' }));
    expect(own.status).toBe(200);
    // A loopback caller holds OPERATOR_TOKEN_AUTHORITY, as the static token would.
    expect(JSON.parse(own.body).switch).toMatchObject({ by: 'loopback', authority: 'EMERGENCY_OVERRIDE' });
    expect((await send(`${h.bot.url}/alerts/generic`, 'POST', { 'content-type': 'application/json' }, alert)).status).toBe(200);
  });
});
