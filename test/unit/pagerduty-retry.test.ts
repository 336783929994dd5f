import { describe, expect, it } from 'vitest';
import { PAGERDUTY_BACKOFF, PAGERDUTY_GIVE_UP_AFTER_MS, pagerDutyRetryDelay } from '../../src/adapters/pagerduty/pagerduty-delivery.js';

const S = 1000;
const MIN = 60 * S;

describe('how long a page PagerDuty did not take waits before its next try', () => {
  it.each([
    ['a 429 without Retry-After, first try', { rateLimited: true }, 1, 30 * S],
    ['a 429, second try', { rateLimited: true }, 2, 60 * S],
    ['a 429, fifth try: minutes, capped at five', { rateLimited: true }, 5, 5 * MIN],
    ['a 429 whose Retry-After is longer', { rateLimited: true, retryAfterMs: 2 * MIN }, 1, 2 * MIN],
    ['a 5xx or no answer, first try', { rateLimited: false }, 1, 1 * S],
    ['a 5xx, fourth try', { rateLimited: false }, 4, 8 * S],
    ['a 5xx with Retry-After', { rateLimited: false, retryAfterMs: 10 * S }, 1, 10 * S],
  ] as const)('%s', (_name, result, attempts, expected) => {
    expect(pagerDutyRetryDelay(result, attempts, PAGERDUTY_BACKOFF)).toBe(expected);
  });

  it('keeps trying a rate-limited page for an hour, not seconds: PagerDuty asks for minutes of back-off', () => {
    expect(PAGERDUTY_GIVE_UP_AFTER_MS).toBe(60 * MIN);
    let waited = 0;
    let attempts = 0;
    while (waited < PAGERDUTY_GIVE_UP_AFTER_MS) waited += pagerDutyRetryDelay({ rateLimited: true }, ++attempts, PAGERDUTY_BACKOFF);
    // About a dozen tries spread over the hour, none sooner than 30 s after a 429.
    expect(attempts).toBeGreaterThan(10);
    expect(attempts).toBeLessThan(20);
  });
});
