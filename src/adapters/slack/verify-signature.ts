import { createHmac, timingSafeEqual } from 'node:crypto';

/** Slack refuses to accept replays older than five minutes; so do we. */
export const MAX_REQUEST_AGE_SECONDS = 5 * 60;

export type SignatureVerdict = { ok: true } | { ok: false; reason: string };

/**
 * Verifies Slack's `v0` request signature: HMAC-SHA256 of `v0:<timestamp>:<raw body>` with the
 * signing secret. The clock is passed in, so tests can check the replay window.
 */
export function verifySlackSignature(input: {
  signingSecret: string;
  timestamp: string | undefined;
  signature: string | undefined;
  rawBody: string;
  nowMs: number;
}): SignatureVerdict {
  const { signingSecret, timestamp, signature, rawBody, nowMs } = input;
  if (!timestamp || !signature) return { ok: false, reason: 'missing X-Slack-Request-Timestamp or X-Slack-Signature' };
  const ts = Number(timestamp);
  if (!Number.isInteger(ts)) return { ok: false, reason: 'X-Slack-Request-Timestamp is not a number' };
  if (Math.abs(nowMs / 1000 - ts) > MAX_REQUEST_AGE_SECONDS) return { ok: false, reason: 'request timestamp is more than 5 minutes from now (replay refused)' };
  const expected = `v0=${createHmac('sha256', signingSecret).update(`v0:${timestamp}:${rawBody}`).digest('hex')}`;
  const a = Buffer.from(expected);
  const b = Buffer.from(signature);
  if (a.length !== b.length || !timingSafeEqual(a, b)) return { ok: false, reason: 'signature does not match (check SLACK_SIGNING_SECRET)' };
  return { ok: true };
}
