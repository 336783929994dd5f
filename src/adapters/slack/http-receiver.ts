import type { App, Receiver, ReceiverEvent } from '@slack/bolt';
import type { Logger } from 'pino';
import type { ReplayStore } from '../../services/ports.js';
import { MAX_REQUEST_AGE_SECONDS, verifySlackSignature } from './verify-signature.js';
import { malformedSlackBody } from './slack-request-shape.js';
import { ReplayGuard } from './replay-guard.js';

export interface SlackHttpRequest {
  rawBody: string;
  contentType: string | undefined;
  header(name: string): string | undefined;
}

export interface SlackHttpResponse {
  status: number;
  body: string;
  contentType?: string;
}

export interface SlackHttpReceiverOptions {
  signingSecret: string;
  log: Logger;
  now: () => number;
  /** Signatures seen lately, shared by every replica. */
  replays: ReplayStore;
  replayCheckTimeoutMs?: number;
  /**
   * Called with each request's processing, so shutdown (and tests) can wait for it: a listener's
   * work starts only once the replay check answered, which may be after the HTTP answer.
   */
  track?: (processing: Promise<void>) => void;
  /** When the receiver answers for a listener that has not acked (tests shorten it). */
  ackDeadlineMs?: number;
  /** Where an ack that came after the deadline is sent instead (the request's response_url). */
  fetch?: typeof fetch;
}

/** Slack gives up after 3 s; answer a little before that even if a listener has not acked. */
const ACK_DEADLINE_MS = 2500;
const REPLAYED = 'replayed request: this signature was already used within the last 5 minutes';

/** Thrown from ack() to stop a listener whose request another replica had already taken. */
class ReplayedRequestError extends Error {
  override readonly name = 'ReplayedRequestError';
  constructor() {
    super(REPLAYED);
  }
}

/** Bolt may wrap a listener's error; look through `original`. */
function isReplayed(err: unknown): boolean {
  for (let e = err as { original?: unknown } | undefined, i = 0; e && i < 3; e = e.original as typeof e, i++) if (e instanceof ReplayedRequestError) return true;
  return false;
}

function parseBody(rawBody: string, contentType: string | undefined): Record<string, unknown> {
  if (contentType?.includes('application/x-www-form-urlencoded')) {
    const form = Object.fromEntries(new URLSearchParams(rawBody));
    // Interactivity arrives as form field `payload` holding JSON; slash commands as plain fields.
    return typeof form.payload === 'string' ? (JSON.parse(form.payload) as Record<string, unknown>) : form;
  }
  return JSON.parse(rawBody) as Record<string, unknown>;
}

function isSslCheck(rawBody: string, contentType: string | undefined): boolean {
  return Boolean(contentType?.includes('application/x-www-form-urlencoded')) && new URLSearchParams(rawBody).get('ssl_check') === '1';
}

function json(status: number, body: unknown): SlackHttpResponse {
  return { status, body: JSON.stringify(body), contentType: 'application/json' };
}

function toResponse(ackValue: unknown): SlackHttpResponse {
  if (ackValue === undefined || ackValue === '') return { status: 200, body: '' };
  if (typeof ackValue === 'string') return { status: 200, body: ackValue, contentType: 'text/plain' };
  return json(200, ackValue);
}

/**
 * A Bolt receiver that carries transport only: the bot's own HTTP listener hands it each request
 * on `/slack/events` (already held to its size limit); it answers Slack's unsigned `ssl_check`,
 * verifies the signature (with an injectable clock), refuses a signature it has seen before,
 * refuses malformed payloads with 400, and answers as soon as the listener acks while the
 * listener's slow work carries on.
 */
export class SlackHttpReceiver implements Receiver {
  private app: App | undefined;
  private readonly replays: ReplayGuard;

  constructor(private readonly options: SlackHttpReceiverOptions) {
    this.replays = new ReplayGuard(options.replays, options.log, options.replayCheckTimeoutMs);
  }

  init(app: App): void {
    this.app = app;
  }

  start(): Promise<void> {
    return Promise.resolve();
  }

  stop(): Promise<void> {
    return Promise.resolve();
  }

  async handle(req: SlackHttpRequest): Promise<SlackHttpResponse> {
    const { log } = this.options;
    // Slack checks the certificate with an unsigned `ssl_check=1`: answer 200, as Bolt does, and do nothing else.
    if (isSslCheck(req.rawBody, req.contentType)) return { status: 200, body: '' };
    const timestamp = req.header('x-slack-request-timestamp');
    const signature = req.header('x-slack-signature');
    const nowMs = this.options.now();
    const verdict = verifySlackSignature({ signingSecret: this.options.signingSecret, timestamp, signature, rawBody: req.rawBody, nowMs });
    if (!verdict.ok) {
      log.warn({ reason: verdict.reason }, 'refused a Slack request');
      return json(401, { error: verdict.reason });
    }
    let body: Record<string, unknown>;
    try {
      body = parseBody(req.rawBody, req.contentType);
    } catch {
      return json(400, { error: 'body: not valid JSON or form data' });
    }
    const malformed = malformedSlackBody(body);
    if (malformed) return json(400, { error: malformed });
    // The signature was valid, so it is Slack's: the same one again is a replay (Slack's own
    // retries are signed anew). Remembered until the timestamp leaves the 5-minute window.
    const until = new Date((Number(timestamp) + MAX_REQUEST_AGE_SECONDS + 1) * 1000);
    const replay = this.replays.check(signature ?? '', until, nowMs);
    if (replay.seenHere) {
      log.warn('refused a replayed Slack request');
      return json(401, { error: REPLAYED });
    }
    if (body.type === 'url_verification') return json(200, { challenge: body.challenge });
    if (!this.app) return json(503, { error: 'Slack app is not initialised yet' });
    return this.dispatch(this.app, body, req, replay.seenBefore);
  }

  private dispatch(app: App, body: Record<string, unknown>, req: SlackHttpRequest, seenBefore: Promise<boolean | undefined>): Promise<SlackHttpResponse> {
    const { log } = this.options;
    let settle: (r: SlackHttpResponse) => void = () => undefined;
    const answered = new Promise<SlackHttpResponse>((resolve) => (settle = resolve));
    let acked = false;
    let answeredForIt = false;
    const event: ReceiverEvent = {
      body,
      // Slack gets its answer at once; the listener goes on only once the store says the request
      // is not a replay seen by another replica (every listener acks before any I/O).
      ack: async (response?: unknown) => {
        if (acked) return;
        acked = true;
        if (answeredForIt) await this.sendLateAck(body, response);
        else settle(toResponse(response));
        if ((await seenBefore) === true) throw new ReplayedRequestError();
      },
    };
    const retryNum = Number(req.header('x-slack-retry-num'));
    if (Number.isInteger(retryNum)) event.retryNum = retryNum;
    const reason = req.header('x-slack-retry-reason');
    if (reason) event.retryReason = reason;

    const processing = app.processEvent(event).catch((err: unknown) => {
      if (isReplayed(err)) log.warn('refused a Slack request another replica had already taken (replay); nothing was done');
      else log.error({ err }, 'Slack listener failed');
      if (!acked) settle({ status: 500, body: '' });
    });
    this.options.track?.(processing);
    const deadline = new Promise<SlackHttpResponse>((resolve) => {
      const timer = setTimeout(() => {
        if (acked) return;
        answeredForIt = true;
        log.warn('a Slack listener did not ack within 2.5 s; answered for it');
        resolve({ status: 200, body: '' });
      }, this.options.ackDeadlineMs ?? ACK_DEADLINE_MS);
      timer.unref();
      void processing.finally(() => clearTimeout(timer));
    });
    // No listener for this request type: Bolt resolves without acking; answer 200 so Slack does not retry.
    const unhandled = processing.then(() => ({ status: 200, body: '' }) as SlackHttpResponse);
    return Promise.race([answered, deadline, unhandled.then(async (r) => (acked ? answered : r))]);
  }

  /**
   * An ack that came after Slack's deadline: its body would be lost with the HTTP answer already
   * sent, so it goes to the request's response_url instead, where the user still sees it.
   */
  private async sendLateAck(body: Record<string, unknown>, response: unknown): Promise<void> {
    if (response === undefined || response === '' || typeof body.response_url !== 'string') return;
    const message = typeof response === 'string' ? { response_type: 'ephemeral', text: response } : response;
    const fetchFn = this.options.fetch ?? fetch;
    try {
      const res = await fetchFn(body.response_url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(message), signal: AbortSignal.timeout(10_000) });
      if (!res.ok) this.options.log.warn({ status: res.status }, 'response_url refused a late ack');
    } catch (err) {
      this.options.log.warn({ err }, 'could not send a late ack to response_url');
    }
  }
}
