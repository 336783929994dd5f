import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { text } from 'node:stream/consumers';
import type { AddressInfo } from 'node:net';
import { FAKE_APP_ID, createFakeSocketMode } from './fake-socket-mode.js';
import { waitUntil } from './wait-until.js';

/** One request the fake received, in arrival order, with how it was answered. */
export interface FakeSlackCall {
  method: string;
  args: Record<string, unknown>;
  at: number;
  /** HTTP status answered: 200, 429 when rate-limited, or the status given to failNext. */
  status: number;
  /** The body's `ok`: true only when Slack would have done what was asked. */
  ok: boolean;
}

/** A message as the fake Slack holds it now: posted, then changed by any chat.update. */
export interface FakeSlackMessage {
  channel: string;
  ts: string;
  text?: string;
  blocks?: unknown;
  thread_ts?: string;
  /** Message metadata as posted (`event_type`, `event_payload`). */
  metadata?: unknown;
  /** Files shared with the message (files.completeUploadExternal). */
  files?: { id: string; title?: string; name: string; mimetype: string }[];
}

/** A file uploaded through files.getUploadURLExternal and its upload URL. */
export interface FakeSlackFile {
  id: string;
  filename: string;
  length: number;
  altText?: string;
  /** The bytes POSTed to the upload URL (undefined until then). */
  bytes?: Buffer;
  /** Set by files.completeUploadExternal. */
  title?: string;
  channel?: string;
  threadTs?: string;
}

export interface FakeSlackUser {
  id: string;
  name?: string;
  real_name?: string;
  is_bot?: boolean;
  profile?: { email?: string; display_name?: string };
  [key: string]: unknown;
}

export const FAKE_BOT = { team_id: 'T000FAKE', user_id: 'U000BOT', bot_id: 'B000BOT', team: 'Fake Team', user: 'chatops' };

type Reply = { status: number; body: Record<string, unknown>; headers?: Record<string, string> };
/** `bot`: an xox… token; `app`: an app-level xapp-… token, good for Socket Mode only. */
type TokenKind = 'bot' | 'app' | undefined;

/** Fields Slack takes as JSON strings in a form-encoded body; decoded so tests compare objects. */
const JSON_FIELDS = ['blocks', 'attachments', 'metadata', 'files'];

/** Slack's limits, enforced like Slack does (HTTP 429 with Retry-After) when given. */
export interface FakeSlackPacing {
  /** chat.postMessage: at least this long between two accepted posts in one channel (Slack: about 1 s). */
  postIntervalMs?: number;
  /** chat.update: at most this many accepted in any 60 s, workspace-wide (Slack Tier 3: about 50). */
  updatesPerMinute?: number;
}

/**
 * What Slack does during an outage: answer every call with an HTTP status, or take calls and
 * never answer (`hang`: a post is still made, as when Slack's answer is lost on the way back).
 */
export type FakeSlackOutage = { status: number } | { hang: true };

/**
 * A local stand-in for the Slack Web API: point `SLACK_API_URL` (or the WebClient's `slackApiUrl`)
 * at `url`. Answers the methods the bot uses, records every call, and can be told to rate-limit a
 * channel or fail the next call of a method. `apps.connections.open` (app-level token only) hands
 * out a Socket Mode URL on this same port; `socketMode` pushes envelopes and records the acks.
 */
export async function startFakeSlackApi(options: { pacing?: FakeSlackPacing } = {}) {
  const pacing = options.pacing ?? {};
  const lastPost = new Map<string, number>();
  const updateTimes: number[] = [];
  let outage: FakeSlackOutage | undefined;
  const hung: (() => void)[] = [];
  const calls: FakeSlackCall[] = [];
  const messages = new Map<string, FakeSlackMessage>();
  const rateLimits = new Map<string, { remaining: number; retryAfterSeconds: number }>();
  const failures = new Map<string, Array<{ error: string; status: number }>>();
  /** Methods whose next call is carried out but answered 500, as when the answer is lost on its way back. */
  const lostAnswers = new Map<string, number>();
  const missingChannels = new Set<string>();
  const users = new Map<string, FakeSlackUser>();
  const usergroups = new Map<string, string[]>();
  const listeners = new Set<() => void>();
  const socketMode = createFakeSocketMode();
  /** response_urls handed out, by their number: who the reply is for, as Slack knows from the request. */
  const responseUrls = new Map<string, { user: string; channel: string }>();
  let seq = 0;
  const files = new Map<string, FakeSlackFile>();

  /** Epoch seconds with microseconds, from the clock: unique and increasing, as Slack's are. */
  function nextTs(): string {
    seq = Math.max(seq + 100, Date.now() * 1000);
    const micros = seq;
    return `${Math.floor(micros / 1_000_000)}.${String(micros % 1_000_000).padStart(6, '0')}`;
  }

  const ok = (body: Record<string, unknown> = {}): Reply => ({ status: 200, body: { ok: true, ...body } });
  const fail = (error: string): Reply => ({ status: 200, body: { ok: false, error } });

  const handlers: Record<string, (args: Record<string, unknown>) => Reply> = {
    'auth.test': () => ok({ url: 'https://fake.slack.test/', ...FAKE_BOT }),
    'apps.connections.open': () => {
      const { port } = server.address() as AddressInfo;
      return ok({ url: `ws://127.0.0.1:${port}/link/?ticket=${socketMode.issueTicket()}&app_id=${FAKE_APP_ID}` });
    },
    'chat.postMessage': (args) => {
      const channel = String(args.channel ?? '');
      if (!channel) return fail('channel_not_found');
      if (args.text === undefined && args.blocks === undefined && args.attachments === undefined) return fail('no_text');
      const ts = nextTs();
      const message: FakeSlackMessage = { channel, ts, text: args.text as string | undefined, blocks: args.blocks };
      if (args.metadata !== undefined) message.metadata = args.metadata;
      if (args.thread_ts !== undefined) message.thread_ts = String(args.thread_ts);
      messages.set(ts, message);
      return ok({ channel, ts, message: { type: 'message', user: FAKE_BOT.user_id, bot_id: FAKE_BOT.bot_id, ...message } });
    },
    'chat.update': (args) => {
      const message = messages.get(String(args.ts));
      if (!message || message.channel !== args.channel) return fail('message_not_found');
      if (args.text !== undefined) message.text = String(args.text);
      if (args.blocks !== undefined) message.blocks = args.blocks;
      return ok({ channel: message.channel, ts: message.ts, text: message.text, message: { ...message } });
    },
    'conversations.history': (args) => listMessages(String(args.channel ?? ''), undefined, args),
    'conversations.replies': (args) => listMessages(String(args.channel ?? ''), String(args.ts ?? ''), args),
    'chat.postEphemeral': (args) => {
      if (!args.user) return fail('user_not_found');
      return ok({ message_ts: nextTs() });
    },
    // Slack's upload flow: a URL to POST the bytes to, then completeUploadExternal shares the file.
    'files.getUploadURLExternal': (args) => {
      const length = Number(args.length ?? 0);
      if (!args.filename || !(length > 0)) return fail('missing_argument');
      const id = `F${String(files.size + 1).padStart(9, '0')}`;
      files.set(id, { id, filename: String(args.filename), length, ...(args.alt_txt !== undefined ? { altText: String(args.alt_txt) } : {}) });
      const { port } = server.address() as AddressInfo;
      return ok({ upload_url: `http://127.0.0.1:${port}/upload/${id}`, file_id: id });
    },
    'files.completeUploadExternal': (args) => {
      const list = Array.isArray(args.files) ? (args.files as { id?: string; title?: string }[]) : [];
      if (list.length === 0) return fail('invalid_arguments');
      const shared = list.map((f) => files.get(String(f.id)));
      if (shared.some((f) => !f || f.bytes === undefined)) return fail('file_not_found');
      const channel = args.channel_id === undefined ? undefined : String(args.channel_id);
      if (channel === undefined) return ok({ files: shared.map((f) => ({ id: f?.id })) });
      const ts = nextTs();
      const message: FakeSlackMessage = { channel, ts, text: '', files: [] };
      if (args.thread_ts !== undefined) message.thread_ts = String(args.thread_ts);
      for (const [i, f] of shared.entries()) {
        const file = f as FakeSlackFile;
        file.title = list[i]?.title ?? file.filename;
        file.channel = channel;
        if (message.thread_ts) file.threadTs = message.thread_ts;
        message.files?.push({ id: file.id, title: file.title, name: file.filename, mimetype: file.filename.endsWith('.png') ? 'image/png' : 'application/octet-stream' });
      }
      messages.set(ts, message);
      return ok({ files: shared.map((f) => ({ id: f?.id, title: f?.title })) });
    },
    'users.info': (args) => {
      const user = users.get(String(args.user));
      return user ? ok({ user }) : fail('user_not_found');
    },
    'users.lookupByEmail': (args) => {
      const user = [...users.values()].find((u) => u.profile?.email === args.email);
      return user ? ok({ user }) : fail('users_not_found');
    },
    'usergroups.users.list': (args) => {
      const members = usergroups.get(String(args.usergroup));
      return members ? ok({ users: members }) : fail('no_such_subteam');
    },
  };

  /** conversations.history (thread undefined) or .replies, in Slack's order, metadata only when asked. */
  function listMessages(channel: string, thread: string | undefined, args: Record<string, unknown>): Reply {
    if (!channel) return fail('channel_not_found');
    const oldest = Number(args.oldest ?? 0);
    const withMetadata = args.include_all_metadata === true || args.include_all_metadata === 'true';
    const all = [...messages.values()]
      .filter((m) => m.channel === channel && Number(m.ts) >= oldest)
      .filter((m) => (thread === undefined ? m.thread_ts === undefined : m.ts === thread || m.thread_ts === thread))
      // history lists newest first; replies lists a thread from its parent on, as Slack does.
      .sort((a, b) => (thread === undefined ? Number(b.ts) - Number(a.ts) : Number(a.ts) - Number(b.ts)));
    const start = Number(args.cursor ?? 0);
    const limit = Math.min(Number(args.limit ?? 100), 1000);
    const page = all.slice(start, start + limit).map((m) => {
      const { metadata, ...rest } = m;
      return withMetadata && metadata !== undefined ? { ...rest, metadata } : rest;
    });
    const next = start + limit < all.length ? String(start + limit) : '';
    return ok({ messages: page, has_more: next !== '', response_metadata: { next_cursor: next } });
  }

  /** Slack's own limits on posting and updating, when the fake was asked to keep them. */
  function paced(method: string, channel: string | undefined): Reply | undefined {
    const now = Date.now();
    if (method === 'chat.postMessage' && channel !== undefined && pacing.postIntervalMs !== undefined) {
      const last = lastPost.get(channel);
      if (last !== undefined && now - last < pacing.postIntervalMs) return { status: 429, body: { ok: false, error: 'ratelimited' }, headers: { 'retry-after': '1' } };
    }
    if (method === 'chat.update' && pacing.updatesPerMinute !== undefined) {
      while (updateTimes.length > 0 && (updateTimes[0] as number) + 60_000 <= now) updateTimes.shift();
      if (updateTimes.length >= pacing.updatesPerMinute) {
        const wait = Math.ceil(((updateTimes[0] as number) + 60_000 - now) / 1000);
        return { status: 429, body: { ok: false, error: 'ratelimited' }, headers: { 'retry-after': String(Math.max(1, wait)) } };
      }
    }
    return undefined;
  }

  function answer(method: string, args: Record<string, unknown>, token: TokenKind): Reply {
    const channel = typeof args.channel === 'string' ? args.channel : undefined;
    if (outage && 'status' in outage) {
      if (outage.status === 429) return { status: 429, body: { ok: false, error: 'ratelimited' }, headers: { 'retry-after': '1' } };
      return { status: outage.status, body: { ok: false, error: 'service_unavailable' } };
    }
    const rateLimited = paced(method, channel);
    if (rateLimited) return rateLimited;
    const limit = channel === undefined ? undefined : rateLimits.get(channel);
    // Slack checks rate limits before anything else: a 429 says nothing about the call itself.
    if (limit && limit.remaining > 0) {
      limit.remaining -= 1;
      const headers = { 'retry-after': String(limit.retryAfterSeconds) };
      return { status: 429, body: { ok: false, error: 'ratelimited' }, headers };
    }
    const failure = failures.get(method)?.shift();
    if (failure) return { status: failure.status, body: { ok: false, error: failure.error } };
    if (!token) return fail('not_authed');
    // Only an app-level token opens Socket Mode connections, and it is good for nothing else.
    if ((method === 'apps.connections.open') !== (token === 'app')) return fail('not_allowed_token_type');
    const handler = handlers[method];
    if (!handler) return fail('unknown_method');
    if (channel !== undefined && missingChannels.has(channel)) return fail('channel_not_found');
    const reply = handler(args);
    if (reply.body.ok === true && method === 'chat.postMessage' && channel !== undefined) lastPost.set(channel, Date.now());
    if (reply.body.ok === true && method === 'chat.update') updateTimes.push(Date.now());
    const lose = lostAnswers.get(method) ?? 0;
    if (lose > 0) {
      lostAnswers.set(method, lose - 1);
      return { status: 500, body: { ok: false, error: 'internal_error' } };
    }
    return reply;
  }

  /**
   * A post to a response_url (Bolt's respond()): recorded as a call of method `response_url` whose
   * args are the message plus the user and channel of the request that carried the URL.
   */
  async function onResponseUrl(id: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
    const target = responseUrls.get(id);
    const raw = await text(req);
    if (!target || req.method !== 'POST') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('no_such_response_url');
      return;
    }
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(raw) as Record<string, unknown>;
    } catch {
      res.writeHead(400, { 'content-type': 'text/plain' }).end('invalid_payload');
      return;
    }
    calls.push({ method: 'response_url', args: { ...body, user: target.user, channel: target.channel, response_url: `http://127.0.0.1:${port}/respond/${id}` }, at: Date.now(), status: 200, ok: true });
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ ok: true }));
    for (const listener of listeners) listener();
  }

  /** The bytes of a file, POSTed to the URL files.getUploadURLExternal handed out. */
  async function onUpload(id: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const file = files.get(id);
    if (!file || req.method !== 'POST') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not_found');
      return;
    }
    file.bytes = Buffer.concat(chunks);
    calls.push({ method: 'upload_url', args: { file_id: id, length: file.bytes.length }, at: Date.now(), status: 200, ok: true });
    res.writeHead(200, { 'content-type': 'text/plain' }).end(`OK - ${file.bytes.length}`);
    for (const listener of listeners) listener();
  }

  /**
   * An incoming webhook (`/services/<team>/<bot>/<secret>`), as Alertmanager's Slack receiver posts
   * to: JSON with `channel`, `text` and `attachments`. Paced like chat.postMessage in its channel;
   * answered `ok` as text, or 429 with Retry-After. Recorded as method `incoming-webhook`.
   */
  async function onIncomingWebhook(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = JSON.parse(await text(req)) as Record<string, unknown>;
    const channel = String(body.channel ?? '#incoming-webhook');
    const limited = paced('chat.postMessage', channel);
    if (limited) {
      calls.push({ method: 'incoming-webhook', args: body, at: Date.now(), status: 429, ok: false });
      res.writeHead(429, { 'content-type': 'text/plain', ...limited.headers }).end('rate_limited');
    } else {
      lastPost.set(channel, Date.now());
      const ts = nextTs();
      messages.set(ts, { channel, ts, text: body.text as string | undefined, blocks: body.attachments });
      calls.push({ method: 'incoming-webhook', args: body, at: Date.now(), status: 200, ok: true });
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
    }
    for (const listener of listeners) listener();
  }

  async function onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const pathname = new URL(req.url ?? '/', 'http://fake').pathname;
    const uploadMatch = /^\/upload\/(F\d+)$/.exec(pathname);
    if (uploadMatch) return onUpload(uploadMatch[1]!, req, res);
    const respondMatch = /^\/respond\/(\d+)$/.exec(pathname);
    if (respondMatch) return onResponseUrl(respondMatch[1]!, req, res);
    if (pathname.startsWith('/services/')) return onIncomingWebhook(req, res);
    const match = /^\/api\/([A-Za-z0-9._]+)$/.exec(pathname);
    if (!match) {
      res.writeHead(404).end();
      return;
    }
    const method = match[1]!;
    const args = parseBody(await text(req), req.headers['content-type'] ?? '');
    const authorization = req.headers.authorization ?? '';
    const token: TokenKind = /^Bearer xapp-/.test(authorization) ? 'app' : /^Bearer xox/.test(authorization) || typeof args.token === 'string' ? 'bot' : undefined;
    const hangs = outage !== undefined && 'hang' in outage;
    const reply = answer(method, args, token);
    calls.push({ method, args, at: Date.now(), status: hangs ? 0 : reply.status, ok: reply.body.ok === true });
    for (const listener of listeners) listener();
    // During a hang the call is done (a post is in the channel) but its answer never leaves.
    if (hangs) await new Promise<void>((resolve) => hung.push(resolve));
    res.writeHead(reply.status, { 'content-type': 'application/json', ...reply.headers });
    res.end(JSON.stringify(reply.body));
  }

  const server = createServer((req, res) => {
    onRequest(req, res).catch((err: unknown) => {
      res.writeHead(500, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ ok: false, error: 'fake_internal_error', detail: String(err) }));
    });
  });
  server.on('upgrade', socketMode.handleUpgrade);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}/api/`,
    /** An incoming-webhook URL on this fake (for Alertmanager's own Slack receiver). */
    incomingWebhookUrl: `http://127.0.0.1:${port}/services/T000FAKE/B000HOOK/fakesecret`,
    calls,
    socketMode,
    callsTo: (method: string) => calls.filter((c) => c.method === method),
    /**
     * A response_url for a request by `user` in `channel`, as Slack puts in slash commands and
     * clicks; what the bot posts there is recorded as calls of method `response_url`.
     */
    responseUrl(target: { user: string; channel: string }): string {
      const id = String(responseUrls.size + 1);
      responseUrls.set(id, target);
      return `http://127.0.0.1:${port}/respond/${id}`;
    },
    /** Replies posted to response_urls (optionally only those for `user`), oldest first. */
    responses: (user?: string) => calls.filter((c) => c.method === 'response_url' && (user === undefined || c.args.user === user)),
    /** Calls of `method` that Slack accepted (not rate-limited, not failed). */
    accepted: (method: string) => calls.filter((c) => c.method === method && c.ok),
    /** The message the bot posted with this metadata payload field (e.g. `proposal_id`, `incident_id`), as it stands now. */
    messageWith(field: string, value: string): FakeSlackMessage | undefined {
      return [...messages.values()].find((m) => (m.metadata as { event_payload?: Record<string, unknown> } | undefined)?.event_payload?.[field] === value);
    },
    /** Files uploaded so far (shared or not), in upload order. */
    files: () => [...files.values()],
    /** The channel's messages as they stand now, in the order they were posted. */
    messages: (channel?: string) => [...messages.values()].filter((m) => channel === undefined || m.channel === channel),
    /** The next `times` calls naming `channel` answer HTTP 429 with `Retry-After: retryAfterSeconds`. */
    rateLimit(channel: string, times: number, retryAfterSeconds: number) {
      rateLimits.set(channel, { remaining: times, retryAfterSeconds });
    },
    /** The next call of `method` answers `{ ok: false, error }`, with HTTP `status` (say 500) if given. */
    failNext(method: string, error: string, status = 200) {
      failures.set(method, [...(failures.get(method) ?? []), { error, status }]);
    },
    /** The next call of `method` is carried out (a post is made, a file shared) but answered HTTP 500. */
    loseAnswerNext(method: string) {
      lostAnswers.set(method, (lostAnswers.get(method) ?? 0) + 1);
    },
    /** Starts an outage (every call answers `status`, or takes calls and never answers), until `endOutage`. */
    startOutage(kind: FakeSlackOutage) {
      outage = kind;
    },
    /** Ends the outage; calls left hanging are answered now (their clients have usually given up). */
    endOutage() {
      outage = undefined;
      hung.splice(0).forEach((resolve) => resolve());
    },
    /** Calls Slack answered 429 to: a bot keeping Slack's limits makes none. */
    rateLimited: () => calls.filter((c) => c.status === 429),
    /** Every later call naming `channel` answers channel_not_found. */
    removeChannel(channel: string) {
      missingChannels.add(channel);
    },
    setUser(user: FakeSlackUser) {
      users.set(user.id, user);
    },
    setUsergroup(id: string, userIds: string[]) {
      usergroups.set(id, [...userIds]);
    },
    /** Resolves when `predicate(calls)` holds; rejects after `timeoutMs` listing the calls seen. */
    async waitFor(predicate: (calls: FakeSlackCall[]) => boolean, timeoutMs = 5000): Promise<void> {
      await waitUntil(listeners, () => (predicate(calls) ? true : undefined), timeoutMs, () => {
        const seen = calls.map((c) => `${c.method}(${String(c.args.channel ?? '')}) ${c.status}`).join(', ');
        return `fake Slack: condition not met within ${timeoutMs} ms; calls: [${seen}]`;
      });
    },
    async close(): Promise<void> {
      // Upgraded sockets are no longer the HTTP server's: closeAllConnections() would miss them.
      hung.splice(0).forEach((resolve) => resolve());
      await socketMode.close();
      // fetch keeps connections alive; without closing them, close() would wait for their timeout.
      server.closeAllConnections();
      return new Promise((resolve, reject) => server.close((err) => (err ? reject(err) : resolve())));
    },
  };
}

export type FakeSlackApi = Awaited<ReturnType<typeof startFakeSlackApi>>;


/** The WebClient sends form-encoded bodies with objects as JSON strings; other clients send JSON. */
function parseBody(raw: string, contentType: string): Record<string, unknown> {
  if (raw === '') return {};
  if (contentType.includes('application/json')) return JSON.parse(raw) as Record<string, unknown>;
  const args: Record<string, unknown> = Object.fromEntries(new URLSearchParams(raw));
  for (const field of JSON_FIELDS) {
    const value = args[field];
    if (typeof value === 'string' && /^\s*[[{]/.test(value)) {
      try {
        args[field] = JSON.parse(value);
      } catch {
        // Leave it a string: a test may be checking that malformed JSON is refused.
      }
    }
  }
  return args;
}
