import { readFile } from 'node:fs/promises';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { createOnCallDirectory } from '../../src/adapters/pagerduty/oncall-directory.js';
import type { OnCallDirectoryOptions } from '../../src/adapters/pagerduty/oncall-directory.js';
import { onCallMessage, onCallSentence } from '../../src/adapters/slack/blocks/on-call.js';

const TOKEN = 'pd-api-token-u+2kAy9Rz';
const fixture = async () => JSON.parse(await readFile('test/fixtures/pagerduty/oncalls.json', 'utf8')) as unknown;

/** GET /oncalls answered by `answer`; records each request. */
function directoryWith(answer: () => Response | Promise<Response>, options: Partial<OnCallDirectoryOptions> = {}) {
  const requests: { url: string; headers: Record<string, string> }[] = [];
  const lines: string[] = [];
  const log = pino(
    { level: 'warn' },
    new Writable({
      write(chunk: Buffer, _enc, done) {
        lines.push(chunk.toString('utf8'));
        done();
      },
    }),
  );
  let clock = Date.parse('2024-05-14T09:00:00Z');
  const fetchFn = (async (url: string | URL | Request, init?: RequestInit) => {
    requests.push({ url: String(url), headers: init?.headers as Record<string, string> });
    return answer();
  }) as typeof fetch;
  const onCall = createOnCallDirectory({ apiUrl: 'https://api.pagerduty.test/', token: TOKEN, log, fetch: fetchFn, now: () => clock, ...options });
  return { onCall, requests, lines, advance: (ms: number) => void (clock += ms) };
}

const json = (body: unknown, status = 200) => new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

describe('on-call directory (PagerDuty REST GET /oncalls)', () => {
  it('asks for the earliest on-call with users included, with the API token', async () => {
    const body = await fixture();
    const { onCall, requests } = directoryWith(() => json(body));
    await onCall();
    const url = new URL(requests[0]?.url ?? '');
    expect(url.origin + url.pathname).toBe('https://api.pagerduty.test/oncalls');
    expect(url.searchParams.get('earliest')).toBe('true');
    expect(url.searchParams.getAll('include[]')).toEqual(['users']);
    expect(requests[0]?.headers).toMatchObject({ authorization: `Token token=${TOKEN}`, accept: 'application/json' });
  });

  it('maps each on-call to name, email, policy, level and schedule, lowest level first, with Slack ids where found', async () => {
    const body = await fixture();
    const slack: Record<string, string> = { 'ana.ruiz@example.com': 'U0ANARUIZ', 'ben.okafor@example.com': 'U0BENOKAF' };
    const { onCall } = directoryWith(() => json(body), { slackUserIdFor: async (email) => slack[email] });
    expect(await onCall()).toEqual([
      { name: 'Ana Ruiz', email: 'ana.ruiz@example.com', escalationPolicy: 'Platform Escalation Policy', escalationLevel: 1, schedule: 'Platform Primary', slackUserId: 'U0ANARUIZ' },
      { name: 'Ben Okafor', email: 'ben.okafor@example.com', escalationPolicy: 'Platform Escalation Policy', escalationLevel: 2, schedule: 'Platform Secondary', slackUserId: 'U0BENOKAF' },
      { name: 'Carol <Ops> Lee', email: 'carol.lee@example.com', escalationPolicy: 'Platform Escalation Policy', escalationLevel: 3 },
    ]);
  });

  it('asks PagerDuty at most once a minute, and once for callers arriving together', async () => {
    const body = await fixture();
    const { onCall, requests, advance } = directoryWith(() => json(body));
    await Promise.all([onCall(), onCall(), onCall()]);
    expect(requests).toHaveLength(1);
    advance(59_000);
    await onCall();
    expect(requests).toHaveLength(1);
    advance(2_000);
    await onCall();
    expect(requests).toHaveLength(2);
  });

  it.each([
    ['a 401 (bad token)', () => json({ error: { message: 'Unauthorized', code: 2006 } }, 401), 'HTTP 401 (check PAGERDUTY_API_TOKEN)'],
    ['a 500', () => json({ error: { message: 'Internal Server Error' } }, 500), 'HTTP 500'],
    ['an unexpected shape', () => json({ oncalls: 'nobody' }), 'unexpected shape'],
    ['a network error', () => Promise.reject(new TypeError('fetch failed')), 'fetch failed'],
  ])('answers an empty list and logs a warning on %s, without the token', async (_name, answer, expected) => {
    const { onCall, lines, requests } = directoryWith(answer);
    await expect(onCall()).resolves.toEqual([]);
    expect(lines.join('')).toContain(expected);
    expect(lines.join('')).not.toContain(TOKEN);
    // A failure is not cached: the next caller asks again.
    await onCall();
    expect(requests).toHaveLength(2);
  });

  it('follows pagination while PagerDuty says there is more', async () => {
    const entry = (name: string, level: number) => ({ user: { summary: name, name }, escalation_policy: { summary: 'P' }, escalation_level: level, schedule: null });
    const pages = [json({ oncalls: [entry('A', 1)], more: true }), json({ oncalls: [entry('B', 2)], more: false })];
    const { onCall, requests } = directoryWith(() => pages.shift() ?? json({ oncalls: [] }));
    expect((await onCall()).map((o) => o.name)).toEqual(['A', 'B']);
    expect(requests.map((r) => new URL(r.url).searchParams.get('offset'))).toEqual(['0', '100']);
  });
});

describe('on-call as Slack shows it', () => {
  const list = [
    { name: 'Ana Ruiz', escalationPolicy: 'Platform', escalationLevel: 1, schedule: 'Platform Primary', slackUserId: 'U0ANARUIZ' },
    { name: 'Carol <Ops> Lee', escalationPolicy: 'Platform', escalationLevel: 3 },
    { name: 'Mallory', escalationPolicy: 'Platform', escalationLevel: 2, slackUserId: '<!channel>' },
  ];

  it('mentions people Slack knows, escapes names, and never builds a mention from a bad id', () => {
    const text = onCallMessage(list);
    expect(text).toContain('*Platform*');
    expect(text).toContain('• Level 1: <@U0ANARUIZ> (Ana Ruiz) · Platform Primary');
    expect(text).toContain('• Level 3: Carol &lt;Ops&gt; Lee');
    expect(text).toContain('• Level 2: Mallory');
    expect(text).not.toContain('<!channel>');
    expect(onCallSentence(list)).toBe('On call: <@U0ANARUIZ> (Ana Ruiz, level 1), Carol &lt;Ops&gt; Lee (level 3), Mallory (level 2)');
  });

  it('says plainly when nobody is known to be on call', () => {
    expect(onCallMessage([])).toMatch(/^PagerDuty names nobody on call right now/);
    expect(onCallSentence([])).toMatch(/^On call: not known/);
  });
});
