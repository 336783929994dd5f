import { describe, expect, it } from 'vitest';
import { verifySlackSignature } from '../../src/adapters/slack/verify-signature.js';
import { signSlackRequest } from '../fakes/slack-signing.js';

const secret = 'signing-secret-123';
const body = 'payload=%7B%7D';
const now = 1_800_000_000;

describe('Slack request signature', () => {
  it.each([
    ['a fresh, correctly signed request', secret, now, now, true],
    ['a wrong secret', 'other-secret-123', now, now, false],
    ['a timestamp 6 minutes old', secret, now - 360, now, false],
    ['a timestamp 6 minutes ahead', secret, now + 360, now, false],
    ['a timestamp 4 minutes old', secret, now - 240, now, true],
  ])('%s → %s', (_label, signingSecret, ts, clock, ok) => {
    const headers = signSlackRequest(signingSecret, body, ts);
    const verdict = verifySlackSignature({ signingSecret: secret, timestamp: headers['x-slack-request-timestamp'], signature: headers['x-slack-signature'], rawBody: body, nowMs: clock * 1000 });
    expect(verdict.ok).toBe(ok);
  });

  it('refuses a body changed after signing', () => {
    const headers = signSlackRequest(secret, body, now);
    expect(verifySlackSignature({ signingSecret: secret, timestamp: headers['x-slack-request-timestamp'], signature: headers['x-slack-signature'], rawBody: `${body}x`, nowMs: now * 1000 }).ok).toBe(false);
  });
});
