import type { App, Receiver, ReceiverEvent } from '@slack/bolt';
import type { Logger } from 'pino';
import { verifySlackSignature } from './verify-signature.js';

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

/** Slack gives up after 3 s; answer a little before that even if a listener has not acked. */
const ACK_DEADLINE_MS = 2500;

function parseBody(rawBody: string, contentType: string | undefined): Record<string, unknown> {
  if (contentType?.includes('application/x-www-form-urlencoded')) {
    const form = Object.fromEntries(new URLSearchParams(rawBody));
    // Interactivity arrives as form field `payload` holding JSON; slash commands as plain fields.
    return typeof form.payload === 'string' ? (JSON.parse(form.payload) as Record<string, unknown>) : form;
  }
  return JSON.parse(rawBody) as Record<string, unknown>;
}

function toResponse(ackValue: unknown): SlackHttpResponse {
  if (ackValue === undefined || ackValue === '') return { status: 200, body: '' };
  if (typeof ackValue === 'string') return { status: 200, body: ackValue, contentType: 'text/plain' };
  return { status: 200, body: JSON.stringify(ackValue), contentType: 'application/json' };
}

/**
 * A Bolt receiver that carries transport only: the bot's own HTTP listener hands it each request
 * on `/slack/events`; it verifies the signature (with an injectable clock), parses the body and
 * answers as soon as the listener acks, while the listener's slow work carries on.
 */
export class SlackHttpReceiver implements Receiver {
  private app: App | undefined;

  constructor(private readonly options: { signingSecret: string; log: Logger; now: () => number }) {}

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
    const verdict = verifySlackSignature({
      signingSecret: this.options.signingSecret,
      timestamp: req.header('x-slack-request-timestamp'),
      signature: req.header('x-slack-signature'),
      rawBody: req.rawBody,
      nowMs: this.options.now(),
    });
    if (!verdict.ok) {
      this.options.log.warn({ reason: verdict.reason }, 'refused a Slack request');
      return { status: 401, body: JSON.stringify({ error: verdict.reason }), contentType: 'application/json' };
    }
    let body: Record<string, unknown>;
    try {
      body = parseBody(req.rawBody, req.contentType);
    } catch {
      return { status: 400, body: JSON.stringify({ error: 'body: not valid JSON or form data' }), contentType: 'application/json' };
    }
    if (body.ssl_check) return { status: 200, body: '' };
    if (body.type === 'url_verification') return { status: 200, body: JSON.stringify({ challenge: body.challenge }), contentType: 'application/json' };
    if (!this.app) return { status: 503, body: JSON.stringify({ error: 'Slack app is not initialised yet' }), contentType: 'application/json' };

    let settle: (r: SlackHttpResponse) => void = () => undefined;
    const answered = new Promise<SlackHttpResponse>((resolve) => (settle = resolve));
    let acked = false;
    const retryNum = Number(req.header('x-slack-retry-num'));
    const event: ReceiverEvent = {
      body,
      ack: async (response?: unknown) => {
        if (acked) return;
        acked = true;
        settle(toResponse(response));
      },
    };
    if (Number.isInteger(retryNum)) event.retryNum = retryNum;
    const reason = req.header('x-slack-retry-reason');
    if (reason) event.retryReason = reason;

    const processing = this.app.processEvent(event).catch((err: unknown) => {
      this.options.log.error({ err }, 'Slack listener failed');
      if (!acked) settle({ status: 500, body: '' });
    });
    const deadline = new Promise<SlackHttpResponse>((resolve) => {
      const timer = setTimeout(() => {
        if (!acked) this.options.log.warn('a Slack listener did not ack within 2.5 s; answered for it');
        resolve({ status: 200, body: '' });
      }, ACK_DEADLINE_MS);
      timer.unref();
      void processing.finally(() => clearTimeout(timer));
    });
    // No listener for this request type: Bolt resolves without acking; answer 200 so Slack does not retry.
    const unhandled = processing.then(() => ({ status: 200, body: '' }) as SlackHttpResponse);
    return Promise.race([answered, deadline, unhandled.then(async (r) => (acked ? answered : r))]);
  }
}
