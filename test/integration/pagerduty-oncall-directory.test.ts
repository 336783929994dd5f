import { readFile } from 'node:fs/promises';
import { Writable } from 'node:stream';
import nock from 'nock';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { createOnCallDirectory } from '../../src/adapters/pagerduty/oncall-directory.js';
import type { OnCallDirectoryOptions } from '../../src/adapters/pagerduty/oncall-directory.js';
import { useNock } from '../fakes/use-nock.js';

const TOKEN = 'pd-api-token-u+2kAy9Rz';
const API = 'https://api.pagerduty.test';
const fixture = async () => JSON.parse(await readFile('test/fixtures/pagerduty/oncalls.json', 'utf8')) as nock.Body;

/** The directory against PagerDuty REST as nock serves it; records each request's query and headers. */
function directory(options: Partial<OnCallDirectoryOptions> = {}) {
  const lines: string[] = [];
  const log = pino({ level: 'warn' }, new Writable({ write: (chunk: Buffer, _e, done) => void (lines.push(chunk.toString('utf8')), done()) }));
  let clock = Date.parse('2024-05-14T09:00:00Z');
  const onCall = createOnCallDirectory({ apiUrl: `${API}/`, token: TOKEN, log, now: () => clock, timeoutMs: 2000, ...options });
  return { onCall, lines, advance: (ms: number) => void (clock += ms) };
}

interface Seen {
  query: Record<string, unknown>;
  headers: Record<string, unknown>;
}

/** GET /oncalls answered `times` times with `status` and `body`, each request recorded in `seen`. */
function oncalls(seen: Seen[], status: number, body: nock.Body, times = 1) {
  return nock(API)
    .get('/oncalls')
    .query((q) => {
      seen.push({ query: q, headers: {} });
      return true;
    })
    .times(times)
    .reply(function reply() {
      const last = seen.at(-1);
      if (last) last.headers = this.req.headers;
      return [status, body];
    });
}

useNock();

describe('on-call directory (PagerDuty REST GET /oncalls through @pagerduty/pdjs)', () => {
  it("asks for the earliest on-call with users included, with the token and PagerDuty's versioned Accept header", async () => {
    const seen: Seen[] = [];
    oncalls(seen, 200, await fixture());
    await directory().onCall();
    expect(seen).toHaveLength(1);
    expect(seen[0]?.query).toMatchObject({ earliest: 'true', 'include[]': 'users', limit: '100', offset: '0' });
    expect(seen[0]?.headers).toMatchObject({ authorization: `Token token=${TOKEN}`, accept: 'application/vnd.pagerduty+json;version=2' });
  });

  it('maps each on-call to name, email, policy, level and schedule, lowest level first, with Slack ids where found', async () => {
    oncalls([], 200, await fixture());
    const slack: Record<string, string> = { 'ana.ruiz@example.com': 'U0ANARUIZ', 'ben.okafor@example.com': 'U0BENOKAF' };
    expect(await directory({ slackUserIdFor: async (email) => slack[email] }).onCall()).toEqual([
      { name: 'Ana Ruiz', email: 'ana.ruiz@example.com', escalationPolicy: 'Platform Escalation Policy', escalationLevel: 1, schedule: 'Platform Primary', slackUserId: 'U0ANARUIZ' },
      { name: 'Ben Okafor', email: 'ben.okafor@example.com', escalationPolicy: 'Platform Escalation Policy', escalationLevel: 2, schedule: 'Platform Secondary', slackUserId: 'U0BENOKAF' },
      { name: 'Carol <Ops> Lee', email: 'carol.lee@example.com', escalationPolicy: 'Platform Escalation Policy', escalationLevel: 3 },
    ]);
  });

  it('asks PagerDuty at most once a minute, and once for callers arriving together', async () => {
    const seen: Seen[] = [];
    oncalls(seen, 200, await fixture(), 3);
    const { onCall, advance } = directory();
    await Promise.all([onCall(), onCall(), onCall()]);
    expect(seen).toHaveLength(1);
    advance(59_000);
    await onCall();
    expect(seen).toHaveLength(1);
    advance(2_000);
    await onCall();
    expect(seen).toHaveLength(2);
  });

  it.each([
    ['a 401 (bad token)', 401, { error: { message: 'Unauthorized', code: 2006 } }, 'HTTP 401 (check PAGERDUTY_API_TOKEN)'],
    ['a 500', 500, { error: { message: 'Internal Server Error' } }, 'HTTP 500'],
    ['an unexpected shape', 200, { oncalls: 'nobody' }, 'unexpected shape'],
    ['a body that is not JSON', 502, '<html>Bad gateway</html>', 'not JSON'],
  ])('answers an empty list and logs a warning on %s, without the token', async (_name, status, body, expected) => {
    const seen: Seen[] = [];
    oncalls(seen, status, body, 2);
    const { onCall, lines } = directory();
    await expect(onCall()).resolves.toEqual([]);
    expect(lines.join('')).toContain(expected);
    expect(lines.join('')).not.toContain(TOKEN);
    // A failure is not cached: the next caller asks again.
    await onCall();
    expect(seen).toHaveLength(2);
  });

  it('answers an empty list when the connection fails', async () => {
    nock(API).get('/oncalls').query(true).replyWithError('connect ECONNREFUSED');
    const { onCall, lines } = directory();
    await expect(onCall()).resolves.toEqual([]);
    expect(lines.join('')).toContain('ECONNREFUSED');
  });

  it('follows pagination while PagerDuty says there is more', async () => {
    const entry = (name: string, level: number) => ({ user: { summary: name, name }, escalation_policy: { summary: 'P' }, escalation_level: level, schedule: null });
    const seen: Seen[] = [];
    oncalls(seen, 200, { oncalls: [entry('A', 1)], more: true, limit: 100, offset: 0 });
    oncalls(seen, 200, { oncalls: [entry('B', 2)], more: false, limit: 100, offset: 100 });
    expect((await directory().onCall()).map((o) => o.name)).toEqual(['A', 'B']);
    expect(seen.map((r) => r.query.offset)).toEqual(['0', '100']);
  });
});
