import { ErrorCode } from '@slack/web-api';

/**
 * What delivery should do about an error from a Web API call:
 * - `rate_limited`: wait `retryAfterMs` and send the same call again; not a failed attempt.
 * - `transient`: the request or Slack failed, not the call itself; retry with backoff.
 * - `permanent`: Slack refused the call (bad channel, bad blocks, bad token); retrying cannot help.
 */
export type SlackErrorClass =
  | { kind: 'rate_limited'; retryAfterMs: number }
  | { kind: 'transient'; reason: string }
  | { kind: 'permanent'; code: string };

/**
 * Platform errors (HTTP 200, `ok: false`) that Slack documents as "try again later". Everything else
 * with `ok: false` is a problem with the call or the app's set-up.
 */
const TRANSIENT_PLATFORM_ERRORS = new Set(['internal_error', 'fatal_error', 'service_unavailable', 'request_timeout']);

/** How to fix the errors an operator is most likely to meet, so the log line says what to do. */
const HINTS: Record<string, string> = {
  channel_not_found: 'check the channel id, and that the bot is a member of private channels',
  not_in_channel: 'invite the bot to the channel (/invite @bot)',
  is_archived: 'the channel is archived; unarchive it or configure another channel',
  invalid_auth: 'SLACK_BOT_TOKEN is wrong or revoked; reinstall the app and copy the new xoxb- token',
  not_authed: 'SLACK_BOT_TOKEN is not set',
  account_inactive: 'the token belongs to a deactivated app or user; reinstall the app',
  missing_scope: 'add the missing OAuth scope in slack-manifest.yml and reinstall the app',
  invalid_blocks: 'a Block Kit payload is malformed or over the limits (50 blocks, 3,000 characters a section)',
  msg_too_long: 'the message text is over 40,000 characters',
  message_not_found: 'the message to update was deleted, or the ts belongs to another channel',
  cant_update_message: 'only messages the bot posted can be updated',
  user_not_in_channel: 'an ephemeral message can only go to a member of the channel',
};

/** Sorts an error thrown by `WebClient.apiCall` into what delivery does next. */
export function classifySlackError(err: unknown): SlackErrorClass {
  const e = err as { code?: unknown; retryAfter?: unknown; statusCode?: unknown; data?: { error?: unknown } };
  switch (e?.code) {
    case ErrorCode.RateLimitedError: {
      // Slack's Retry-After is whole seconds; a missing or odd value still means "back off a bit".
      const seconds = typeof e.retryAfter === 'number' && e.retryAfter >= 0 ? e.retryAfter : 1;
      return { kind: 'rate_limited', retryAfterMs: seconds * 1000 };
    }
    case ErrorCode.RequestError:
      return { kind: 'transient', reason: describe(err) };
    case ErrorCode.HTTPError:
      return typeof e.statusCode === 'number' && e.statusCode >= 500
        ? { kind: 'transient', reason: `HTTP ${e.statusCode}` }
        : { kind: 'permanent', code: `http_${String(e.statusCode)}` };
    case ErrorCode.PlatformError: {
      const code = typeof e.data?.error === 'string' ? e.data.error : 'unknown_error';
      return TRANSIENT_PLATFORM_ERRORS.has(code) ? { kind: 'transient', reason: code } : { kind: 'permanent', code };
    }
    default:
      // Not from the WebClient (a bug in our code, most likely): retrying would repeat it.
      return { kind: 'permanent', code: describe(err) };
  }
}

/** A Slack call delivery gave up on; `code` is Slack's error (`channel_not_found`) or `retries_exhausted`. */
export class SlackDeliveryError extends Error {
  override readonly name = 'SlackDeliveryError';

  constructor(
    readonly method: string,
    readonly channel: string,
    readonly code: string,
    detail?: string,
    options?: ErrorOptions,
  ) {
    const hint = HINTS[code];
    super(
      `Slack ${method} to channel ${channel} failed: ${code}` +
        (detail ? ` (${detail})` : '') +
        (hint ? `; ${hint}` : ''),
      options,
    );
  }
}

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
