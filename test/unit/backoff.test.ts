import { describe, expect, it } from 'vitest';
import { RetryError, backoffDelay, withRetries } from '../../src/adapters/executors/retry.js';

const BASE = 200;
const CAP = 5000;
const low = () => 0;
const mid = () => 0.5;
const high = () => 0.999999;

describe('backoffDelay', () => {
  it.each([
    // attempt, random, expected: equal jitter on min(cap, base · 2^(attempt-1))
    [1, low, 100],
    [1, high, 200],
    [2, low, 200],
    [2, mid, 300],
    [3, high, 800],
    [5, high, 3200],
    [6, low, 2500],
    [6, high, 5000],
    [20, high, 5000],
  ])('waits as scheduled before retry %i', (attempt, random, expected) => {
    expect(backoffDelay(attempt, BASE, CAP, random)).toBe(expected);
  });

  it.each([
    ['always low', () => low],
    ['always high', () => high],
    ['alternating', () => { let i = 0; return () => (i++ % 2 === 0 ? 0.999999 : 0); }],
  ])('grows with each retry and never exceeds the cap (%s jitter)', (_name, makeRandom) => {
    // Each retry gets a fresh source here, so every delay sees the same first draw.
    const sameDraw = Array.from({ length: 12 }, (_, i) => backoffDelay(i + 1, BASE, CAP, makeRandom()));
    for (let i = 1; i < sameDraw.length; i++) expect(sameDraw[i]).toBeGreaterThanOrEqual(sameDraw[i - 1] ?? Infinity);
    expect(sameDraw.at(-1)).toBeGreaterThan(sameDraw[0] ?? Infinity);
    expect(Math.max(...sameDraw)).toBeLessThanOrEqual(CAP);
    // The three retries DESIGN §2.7 allows never wait less than the one before, whatever the jitter.
    const random = makeRandom();
    const retries = [1, 2, 3].map((attempt) => backoffDelay(attempt, BASE, CAP, random));
    expect(retries[1]).toBeGreaterThanOrEqual(retries[0] ?? Infinity);
    expect(retries[2]).toBeGreaterThanOrEqual(retries[1] ?? Infinity);
  });

  it('stays within the cap even when the random source misbehaves', () => {
    expect(backoffDelay(30, BASE, CAP, () => 7)).toBe(CAP);
    expect(backoffDelay(1, BASE, CAP, () => -1)).toBe(BASE / 2);
  });
});

describe('withRetries', () => {
  const transient = Object.assign(new Error('slow down'), { name: 'ThrottlingException' });
  const permanent = Object.assign(new Error('bad input'), { name: 'ValidationException' });

  it.each([
    ['succeeds first time', 0, transient, 1, 'ok'],
    ['recovers after two transient errors', 2, transient, 3, 'ok'],
    ['recovers after three transient errors', 3, transient, 4, 'ok'],
    ['gives up after three retries', 10, transient, 4, 'error'],
    ['does not retry a permanent error', 10, permanent, 1, 'error'],
  ] as const)('%s', async (_name, failures, error, expectedCalls, outcome) => {
    let calls = 0;
    const sleeps: number[] = [];
    const run = withRetries(
      async () => {
        calls++;
        if (calls <= failures) throw error;
        return 'done';
      },
      {
        isTransient: (e) => e === transient,
        baseMs: BASE,
        capMs: CAP,
        random: high,
        sleep: async (ms) => void sleeps.push(ms),
      },
    );
    if (outcome === 'ok') {
      await expect(run).resolves.toBe('done');
    } else {
      const thrown = await run.catch((e: unknown) => e);
      expect(thrown).toBeInstanceOf(RetryError);
      expect(thrown).toMatchObject({ attempts: expectedCalls, transient: error === transient, cause: error });
    }
    expect(calls).toBe(expectedCalls);
    expect(sleeps).toHaveLength(expectedCalls - 1);
    expect(sleeps.every((ms) => ms <= CAP)).toBe(true);
  });

  it('reports each retry before waiting', async () => {
    const seen: Array<{ attempt: number; delayMs: number }> = [];
    await withRetries(
      async (attempt) => {
        if (attempt < 3) throw new Error('flaky');
        return attempt;
      },
      { isTransient: () => true, random: low, sleep: async () => {}, onRetry: ({ attempt, delayMs }) => seen.push({ attempt, delayMs }) },
    );
    expect(seen).toEqual([
      { attempt: 1, delayMs: 100 },
      { attempt: 2, delayMs: 200 },
    ]);
  });
});
