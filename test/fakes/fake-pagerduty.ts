import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { text } from 'node:stream/consumers';
import type { AddressInfo, Socket } from 'node:net';
import { waitUntil } from './wait-until.js';

/** One POST to /v2/enqueue, in arrival order, with how the fake answered it. */
export interface FakePagerDutyEvent {
  // The JSON body as the bot sent it; `any` so tests can reach into it without casts.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
  /** HTTP status answered; 0 when the connection was reset instead. */
  status: number;
  at: number;
}

export interface FakeOnCallsRequest {
  query: URLSearchParams;
  authorization: string | undefined;
  accept: string | undefined;
}

/** A scripted answer: an HTTP status (with headers), or a reset connection. */
export type ScriptedReply = number | { status: number; headers?: Record<string, string> } | 'reset';

const ACTIONS = new Set(['trigger', 'acknowledge', 'resolve']);
const SEVERITIES = new Set(['critical', 'error', 'warning', 'info']);

/**
 * A local stand-in for PagerDuty: the Events API v2 (`POST /v2/enqueue`, validated as PagerDuty
 * does and answered 202) and REST v2 `GET /oncalls` (a fixture, behind `Token token=…`). Point
 * PAGERDUTY_EVENTS_URL and PAGERDUTY_API_URL at `url`. Replies can be scripted (429, 500, a reset
 * connection) and the whole fake can go down (nothing listens) and come back on the same port.
 */
export async function startFakePagerDuty({ apiToken, oncalls }: { apiToken: string; oncalls: unknown }) {
  const events: FakePagerDutyEvent[] = [];
  const oncallRequests: FakeOnCallsRequest[] = [];
  const script: ScriptedReply[] = [];
  const sockets = new Set<Socket>();
  const listeners = new Set<() => void>();
  let onCallBody = oncalls;

  function invalid(body: Record<string, unknown>): string[] {
    const errors: string[] = [];
    if (typeof body.routing_key !== 'string' || body.routing_key.length !== 32) errors.push("'routing_key' must be a 32-character integration key");
    if (!ACTIONS.has(String(body.event_action))) errors.push("'event_action' is invalid (must be one of: trigger, acknowledge, resolve)");
    if (body.event_action !== 'trigger' && typeof body.dedup_key !== 'string') errors.push("'dedup_key' is required for acknowledge and resolve");
    if (body.event_action === 'trigger') {
      const payload = body.payload as Record<string, unknown> | undefined;
      if (!payload || typeof payload.summary !== 'string' || payload.summary === '') errors.push("'payload.summary' is missing or blank");
      else if (payload.summary.length > 1024) errors.push("'payload.summary' is longer than 1024 characters");
      if (!payload || typeof payload.source !== 'string' || payload.source === '') errors.push("'payload.source' is missing or blank");
      if (!payload || !SEVERITIES.has(String(payload.severity))) errors.push("'payload.severity' is invalid (must be one of: critical, error, warning, info)");
    }
    return errors;
  }

  function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(JSON.stringify(body));
  }

  async function onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://fake');
    const raw = await text(req);
    if (req.method === 'POST' && url.pathname === '/v2/enqueue') {
      let body: Record<string, unknown>;
      try {
        body = JSON.parse(raw) as Record<string, unknown>;
      } catch {
        events.push({ body: raw, status: 400, at: Date.now() });
        send(res, 400, { status: 'invalid event', message: 'Event object is invalid', errors: ['Request body is not valid JSON'] });
        return;
      }
      const reply = script.shift();
      if (reply === 'reset') {
        events.push({ body, status: 0, at: Date.now() });
        req.socket.destroy();
        return;
      }
      if (reply !== undefined) {
        const { status, headers } = typeof reply === 'number' ? { status: reply, headers: {} } : reply;
        events.push({ body, status, at: Date.now() });
        send(res, status, scriptedBody(status), headers);
        return;
      }
      const errors = invalid(body);
      const status = errors.length > 0 ? 400 : 202;
      events.push({ body, status, at: Date.now() });
      if (errors.length > 0) send(res, 400, { status: 'invalid event', message: 'Event object is invalid', errors });
      else send(res, 202, { status: 'success', message: 'Event processed', dedup_key: body.dedup_key });
      return;
    }
    if (req.method === 'GET' && url.pathname === '/oncalls') {
      oncallRequests.push({ query: url.searchParams, authorization: req.headers.authorization, accept: req.headers.accept });
      if (req.headers.authorization !== `Token token=${apiToken}`) {
        send(res, 401, { error: { message: 'Unauthorized', code: 2006 } });
        return;
      }
      send(res, 200, onCallBody);
      return;
    }
    send(res, 404, { error: { message: 'Not Found', code: 2100 } });
  }

  const server = createServer((req, res) => {
    onRequest(req, res)
      .catch((err: unknown) => send(res, 500, { error: { message: String(err) } }))
      .finally(() => listeners.forEach((l) => l()));
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  function stop(): Promise<void> {
    if (!server.listening) return Promise.resolve();
    for (const socket of sockets) socket.destroy();
    return new Promise((resolve, reject) => server.close((err) => (err ? reject(err) : resolve())));
  }

  return {
    url: `http://127.0.0.1:${port}`,
    /** Every event received, scripted failures included. */
    events,
    /** Events PagerDuty accepted (202), in order. */
    accepted: () => events.filter((e) => e.status === 202),
    oncallRequests,
    /** The next events are answered with these, in order, before normal service resumes. */
    respondNext(...replies: ScriptedReply[]) {
      script.push(...replies);
    },
    setOnCalls(body: unknown) {
      onCallBody = body;
    },
    /** PagerDuty is down: nothing listens on the port, so connections are refused. */
    down: stop,
    /** Back up on the same port. */
    up(): Promise<void> {
      return new Promise((resolve) => server.listen(port, '127.0.0.1', resolve));
    },
    /** Resolves when `predicate(events)` holds; rejects after `timeoutMs` listing what arrived. */
    async waitFor(predicate: (events: FakePagerDutyEvent[]) => boolean, timeoutMs = 5000): Promise<void> {
      await waitUntil(listeners, () => (predicate(events) ? true : undefined), timeoutMs, () =>
        `fake PagerDuty: condition not met within ${timeoutMs} ms; events: [${events.map((e) => `${String(e.body?.event_action)} ${e.status}`).join(', ')}]`,
      );
    },
    close: stop,
  };
}

export type FakePagerDuty = Awaited<ReturnType<typeof startFakePagerDuty>>;

/** The bodies PagerDuty answers these statuses with. */
function scriptedBody(status: number): unknown {
  if (status === 429) return { status: 'throttle event', message: 'Requests for this service are arriving too quickly. Please retry later.' };
  if (status === 400) return { status: 'invalid event', message: 'Event object is invalid', errors: ['scripted by the test'] };
  return { status: 'error', message: 'Internal server error' };
}
