import { pino } from 'pino';
import { describe, expect, it, vi } from 'vitest';
import { createEventsQueue, parseRetryAfter } from '../../src/adapters/pagerduty/events-queue.js';
import type { EventsQueueOptions, PagerDutyEvent } from '../../src/adapters/pagerduty/events-queue.js';
import { createPagerDutyPager } from '../../src/adapters/pagerduty/pagerduty-pager.js';
import type { PageAction, PageOutcome } from '../../src/services/pager.js';

const log = pino({ level: 'silent' });
const ROUTING_KEY = 'e93facc04764012d7bfb002500d5d1a6';
const high = () => 0.999999;
const low = () => 0;

/** What PagerDuty answers one request with: a status (headers optional), or a network error. */
type Reply = number | { status: number; headers?: Record<string, string> } | Error;

const refused = () => new TypeError('fetch failed', { cause: Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), { code: 'ECONNREFUSED' }) });

/** A fetch that answers from `replies` in order (202 once they run out) and records each request. */
function scriptedFetch(replies: Reply[]) {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const requests: { url: string; body: any }[] = [];
  const fetchFn = (async (url: string | URL | Request, init?: RequestInit) => {
    requests.push({ url: String(url), body: JSON.parse(String(init?.body)) });
    const reply = replies.shift() ?? 202;
    if (reply instanceof Error) throw reply;
    const { status, headers } = typeof reply === 'number' ? { status: reply, headers: {} } : reply;
    const body = status === 202 ? { status: 'success', message: 'Event processed' } : status === 400 ? { status: 'invalid event', message: 'Event object is invalid', errors: ["'payload.severity' is invalid"] } : { status: 'error' };
    return new Response(JSON.stringify(body), { status, headers });
  }) as typeof fetch;
  return { fetchFn, requests };
}

function event(dedupKey: string, action: PageAction = 'trigger'): PagerDutyEvent {
  return { dedupKey, action, body: { routing_key: ROUTING_KEY, event_action: action, dedup_key: dedupKey } };
}

function queueWith(replies: Reply[], options: Partial<EventsQueueOptions> = {}) {
  const { fetchFn, requests } = scriptedFetch(replies);
  const outcomes: PageOutcome[] = [];
  const sleeps: number[] = [];
  const queue = createEventsQueue({
    enqueueUrl: 'http://pagerduty.test/v2/enqueue',
    log,
    onOutcome: (o) => outcomes.push(o),
    fetch: fetchFn,
    sleep: async (ms) => void sleeps.push(ms),
    random: high,
    now: () => Date.parse('2024-05-14T09:00:00Z'),
    ...options,
  });
  return { queue, requests, outcomes, sleeps };
}

describe('PagerDuty events queue: retries', () => {
  it.each([
    ['delivers on the first 202', [202], 1, true],
    ['retries a 429 (rate limited) and delivers once', [429, 202], 2, true],
    ['retries 5xx answers until one is taken', [500, 502, 503, 202], 4, true],
    ['retries when PagerDuty cannot be reached', [refused(), 202], 2, true],
    ['gives up after five attempts of 5xx', [500, 500, 500, 500, 500, 500], 5, false],
    ['gives up after five attempts of 429', Array.from({ length: 9 }, () => 429), 5, false],
    ['gives up after five attempts when PagerDuty stays down', Array.from({ length: 9 }, refused), 5, false],
    ['does not retry a 400 (the event itself is invalid)', [400, 202], 1, false],
    ['does not retry a 403', [403, 202], 1, false],
  ] as const)('%s', async (_name, replies, attempts, delivered) => {
    const { queue, requests, outcomes, sleeps } = queueWith([...replies]);
    queue.enqueue(event('INC-1'));
    await queue.drain();
    expect(requests).toHaveLength(attempts);
    expect(outcomes).toEqual([expect.objectContaining({ incidentId: 'INC-1', action: 'trigger', delivered, attempts })]);
    expect(sleeps).toHaveLength(attempts - 1);
    expect(queue.depth()).toBe(0);
  });

  it('says why it gave up, in words an operator can act on', async () => {
    const bad = queueWith([400]);
    bad.queue.enqueue(event('INC-1'));
    await bad.queue.drain();
    expect(bad.outcomes[0]?.error).toBe("PagerDuty answered HTTP 400: Event object is invalid: 'payload.severity' is invalid");
    const down = queueWith(Array.from({ length: 5 }, refused));
    down.queue.enqueue(event('INC-2'));
    await down.queue.drain();
    expect(down.outcomes[0]?.error).toBe('PagerDuty unreachable: TypeError: fetch failed (ECONNREFUSED)');
  });

  it.each([
    ['high', high, [500, 1000, 2000, 4000]],
    ['low', low, [250, 500, 1000, 2000]],
  ])('backs off exponentially from 500 ms (%s jitter)', async (_name, random, expected) => {
    const { queue, sleeps } = queueWith(Array.from({ length: 5 }, () => 503), { random });
    queue.enqueue(event('INC-1'));
    await queue.drain();
    expect(sleeps).toEqual(expected);
  });

  it('never waits longer than the cap, however many attempts', async () => {
    const { queue, sleeps } = queueWith(Array.from({ length: 12 }, () => 503), { maxAttempts: 12, capMs: 30_000 });
    queue.enqueue(event('INC-1'));
    await queue.drain();
    expect(sleeps).toHaveLength(11);
    expect(Math.max(...sleeps)).toBe(30_000);
    for (let i = 1; i < sleeps.length; i++) expect(sleeps[i]).toBeGreaterThanOrEqual(sleeps[i - 1] ?? Infinity);
  });

  it.each([
    ['seconds', '7', 7000],
    ['an HTTP date', 'Tue, 14 May 2024 09:00:12 GMT', 12_000],
    ['more than the cap', '3600', 30_000],
  ])('honours Retry-After given in %s (at most the cap)', async (_name, retryAfter, expected) => {
    const { queue, sleeps, outcomes } = queueWith([{ status: 429, headers: { 'retry-after': retryAfter } }, 202]);
    queue.enqueue(event('INC-1'));
    await queue.drain();
    expect(sleeps).toEqual([expected]);
    expect(outcomes[0]).toMatchObject({ delivered: true, attempts: 2 });
  });

  it.each([
    ['5', 5000],
    ['0', 0],
    ['  ', undefined],
    ['soon', undefined],
    ['Tue, 14 May 2024 08:59:00 GMT', 0],
  ])('reads Retry-After %j as %s ms', (value, expected) => {
    expect(parseRetryAfter(value, Date.parse('2024-05-14T09:00:00Z'))).toBe(expected);
  });
});

describe('PagerDuty events queue: order and back-pressure', () => {
  /** A fetch whose answers the test gives by hand, to see what is in flight at each moment. */
  function manualFetch() {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const pending: { body: any; answer: (status: number) => void }[] = [];
    const fetchFn = ((_url: string | URL | Request, init?: RequestInit) =>
      new Promise<Response>((resolve) => {
        pending.push({ body: JSON.parse(String(init?.body)), answer: (status) => resolve(new Response('{}', { status })) });
      })) as typeof fetch;
    /** Answers the oldest unanswered request for `dedupKey`. */
    const answer = (dedupKey: string, status: number) => {
      const i = pending.findIndex((p) => p.body.dedup_key === dedupKey);
      if (i < 0) throw new Error(`nothing in flight for ${dedupKey}`);
      const [p] = pending.splice(i, 1);
      p?.answer(status);
    };
    const inFlight = () => pending.map((p) => `${p.body.dedup_key as string} ${p.body.event_action as string}`);
    return { fetchFn, answer, inFlight };
  }

  it('returns to the caller before anything is sent', () => {
    const { fetchFn, inFlight } = manualFetch();
    const queue = createEventsQueue({ enqueueUrl: 'http://pagerduty.test/v2/enqueue', log, onOutcome: () => undefined, fetch: fetchFn });
    queue.enqueue(event('INC-1'));
    expect(inFlight()).toEqual([]);
    expect(queue.depth()).toBe(1);
  });

  it("never lets an incident's acknowledge overtake its trigger, while other incidents go ahead", async () => {
    const { fetchFn, answer, inFlight } = manualFetch();
    const outcomes: string[] = [];
    const queue = createEventsQueue({
      enqueueUrl: 'http://pagerduty.test/v2/enqueue',
      log,
      onOutcome: (o) => outcomes.push(`${o.incidentId} ${o.action} ${o.delivered ? 'delivered' : 'failed'}`),
      fetch: fetchFn,
      sleep: async () => undefined,
    });
    queue.enqueue(event('INC-1', 'trigger'));
    queue.enqueue(event('INC-1', 'acknowledge'));
    queue.enqueue(event('INC-2', 'trigger'));
    queue.enqueue(event('INC-1', 'resolve'));
    await vi.waitFor(() => expect(inFlight()).toEqual(['INC-1 trigger', 'INC-2 trigger']));
    expect(queue.depth()).toBe(4);

    answer('INC-1', 503); // INC-1's trigger must be retried; its acknowledge waits behind it
    answer('INC-2', 202); // INC-2 does not wait for INC-1
    await vi.waitFor(() => expect(inFlight()).toEqual(['INC-1 trigger']));
    expect(outcomes).toEqual(['INC-2 trigger delivered']);

    answer('INC-1', 202);
    await vi.waitFor(() => expect(inFlight()).toEqual(['INC-1 acknowledge']));
    answer('INC-1', 202);
    await vi.waitFor(() => expect(inFlight()).toEqual(['INC-1 resolve']));
    answer('INC-1', 202);
    await queue.drain();
    expect(outcomes).toEqual(['INC-2 trigger delivered', 'INC-1 trigger delivered', 'INC-1 acknowledge delivered', 'INC-1 resolve delivered']);
    expect(queue.depth()).toBe(0);
  });

  it('still sends the acknowledge after its trigger was given up on, and reports both', async () => {
    const { queue, requests, outcomes } = queueWith([400, 202]);
    queue.enqueue(event('INC-1', 'trigger'));
    queue.enqueue(event('INC-1', 'acknowledge'));
    await queue.drain();
    expect(requests.map((r) => r.body.event_action)).toEqual(['trigger', 'acknowledge']);
    expect(outcomes.map((o) => [o.action, o.delivered])).toEqual([
      ['trigger', false],
      ['acknowledge', true],
    ]);
  });

  it('refuses events beyond its bound and reports them as not delivered', async () => {
    const { queue, outcomes } = queueWith([], { maxDepth: 2 });
    queue.enqueue(event('INC-1'));
    queue.enqueue(event('INC-2'));
    queue.enqueue(event('INC-3'));
    expect(outcomes).toEqual([expect.objectContaining({ incidentId: 'INC-3', delivered: false, attempts: 0, error: expect.stringContaining('queue is full') })]);
    await queue.drain();
    expect(outcomes.filter((o) => o.delivered).map((o) => o.incidentId)).toEqual(['INC-1', 'INC-2']);
  });

  it('keeps delivering when whoever hears the outcome throws', async () => {
    const { fetchFn, requests } = scriptedFetch([]);
    const queue = createEventsQueue({
      enqueueUrl: 'http://pagerduty.test/v2/enqueue',
      log,
      fetch: fetchFn,
      onOutcome: () => {
        throw new Error('store down');
      },
    });
    queue.enqueue(event('INC-1', 'trigger'));
    queue.enqueue(event('INC-1', 'resolve'));
    await queue.drain();
    expect(requests).toHaveLength(2);
  });
});

describe('PagerDuty events queue: shutdown', () => {
  it('stops retrying and hands back every event not delivered, once, without reporting them itself', async () => {
    // PagerDuty answers 500 and the first backoff never ends: the shutdown finds events stuck.
    const { queue, requests, outcomes } = queueWith(Array.from({ length: 9 }, () => 500), { sleep: () => new Promise<void>(() => undefined) });
    queue.enqueue(event('INC-1', 'trigger'));
    queue.enqueue(event('INC-1', 'acknowledge'));
    queue.enqueue(event('INC-2', 'trigger'));
    await vi.waitFor(() => expect(requests).toHaveLength(2));

    const undelivered = queue.stop();
    expect(undelivered).toEqual([
      { incidentId: 'INC-1', action: 'trigger', delivered: false, attempts: 1, error: 'the bot shut down before PagerDuty confirmed delivery' },
      { incidentId: 'INC-1', action: 'acknowledge', delivered: false, attempts: 0, error: 'the bot shut down before PagerDuty confirmed delivery' },
      { incidentId: 'INC-2', action: 'trigger', delivered: false, attempts: 1, error: 'the bot shut down before PagerDuty confirmed delivery' },
    ]);
    expect(queue.depth()).toBe(0);
    expect(outcomes).toEqual([]);
    expect(queue.stop()).toEqual([]);

    queue.enqueue(event('INC-3', 'trigger'));
    expect(outcomes).toEqual([expect.objectContaining({ incidentId: 'INC-3', delivered: false, attempts: 0, error: expect.stringContaining('shut down') })]);
    expect(requests).toHaveLength(2);
  });
});

describe('PagerDuty pager: the events it sends', () => {
  function pagerWith(eventsUrl = 'https://events.eu.pagerduty.com/') {
    const { fetchFn, requests } = scriptedFetch([]);
    const pager = createPagerDutyPager({ routingKey: ROUTING_KEY, eventsUrl, log, onOutcome: () => undefined, fetch: fetchFn, now: () => Date.parse('2024-05-14T09:00:00Z') });
    return { pager, requests };
  }

  it('triggers with the incident id as dedup_key and the payload PagerDuty requires', async () => {
    const { pager, requests } = pagerWith();
    pager.trigger({
      incidentId: 'INC-7',
      summary: 'INC-7 checkout-api: automation failed',
      severity: 'critical',
      source: 'checkout-api',
      component: 'checkout-api',
      customDetails: { reason: 'automation_failed' },
      links: [{ href: 'https://chatops.example.com/console', text: 'Console' }],
    });
    await pager.drain();
    expect(requests[0]?.url).toBe('https://events.eu.pagerduty.com/v2/enqueue');
    expect(requests[0]?.body).toEqual({
      routing_key: ROUTING_KEY,
      event_action: 'trigger',
      dedup_key: 'INC-7',
      payload: {
        summary: 'INC-7 checkout-api: automation failed',
        source: 'checkout-api',
        severity: 'critical',
        component: 'checkout-api',
        custom_details: { reason: 'automation_failed' },
        timestamp: '2024-05-14T09:00:00.000Z',
      },
      links: [{ href: 'https://chatops.example.com/console', text: 'Console' }],
      client: 'chatops-bot',
    });
  });

  it('acknowledges and resolves with the same routing key and dedup_key, and no payload', async () => {
    const { pager, requests } = pagerWith('http://127.0.0.1:9999');
    pager.trigger({ incidentId: 'INC-7', summary: 's'.repeat(2000), severity: 'warning', source: '' });
    pager.acknowledge('INC-7');
    pager.resolve('INC-7');
    await pager.drain();
    expect(requests.map((r) => r.url)).toEqual(Array.from({ length: 3 }, () => 'http://127.0.0.1:9999/v2/enqueue'));
    expect(requests.map((r) => [r.body.event_action, r.body.dedup_key, r.body.routing_key])).toEqual([
      ['trigger', 'INC-7', ROUTING_KEY],
      ['acknowledge', 'INC-7', ROUTING_KEY],
      ['resolve', 'INC-7', ROUTING_KEY],
    ]);
    expect(requests[0]?.body.payload.summary).toHaveLength(1024);
    expect(requests[0]?.body.payload.source).toBe('chatops-bot');
    expect(requests[1]?.body).toEqual({ routing_key: ROUTING_KEY, event_action: 'acknowledge', dedup_key: 'INC-7', client: 'chatops-bot' });
    expect(requests[2]?.body.payload).toBeUndefined();
  });
});
