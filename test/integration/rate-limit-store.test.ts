import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDynamoRateLimitStore } from '../../src/adapters/stores/dynamo-rate-limit-store.js';
import { ensureTables } from '../../src/adapters/stores/tables.js';
import type { Clock, RateLimitStore, TokenDecision } from '../../src/services/ports.js';
import { burstDocumentClient, manualClock, startTestDynamo } from './stores/harness.js';
import type { TestDynamo } from './stores/harness.js';
import { spawnInGroup } from '../fakes/process-group.js';

/**
 * Ten times as many requests as tokens, half from each side, all at once: enough that many find
 * the bucket missing or empty together and race to create or refill it, which is where a second
 * grant of one token would come from. More requests only take longer to say the same.
 */
const CAPACITY = 10;
const REQUESTS = 10 * CAPACITY;
/** The clock every taker reads: frozen, so the bucket never refills while the test runs. */
const FROZEN = '2024-05-01T12:00:00.000Z';
const frozen: Clock = { now: () => new Date(FROZEN) };

interface Tally {
  granted: number;
  refused: number;
  errors: string[];
}

function tally(results: PromiseSettledResult<TokenDecision>[]): Tally {
  return {
    granted: results.filter((r) => r.status === 'fulfilled' && r.value.granted).length,
    refused: results.filter((r) => r.status === 'fulfilled' && !r.value.granted).length,
    errors: results.flatMap((r) => (r.status === 'rejected' ? [String((r.reason as Error).message)] : [])),
  };
}

/** A store with a DynamoDB client (and connections) of its own, as a second bot process has. */
function separateStore(endpoint: string, prefix: string, clock: Clock = frozen): { store: RateLimitStore; close(): void } {
  const doc = burstDocumentClient(endpoint);
  return { store: createDynamoRateLimitStore({ doc, prefix, clock }), close: () => doc.destroy() };
}

function takeMany(store: RateLimitStore, bucket: string, n: number, capacity = CAPACITY): Promise<Tally> {
  return Promise.allSettled(Array.from({ length: n }, () => store.take(bucket, capacity, capacity))).then(tally);
}

/** test/fakes/take-tokens.ts in a child process: ready once it printed so; `go()` releases it. */
function startTaker(args: string[]): Promise<{ go(): void; result: Promise<Tally> }> {
  const child = spawnInGroup(process.execPath, ['--import', 'tsx', 'test/fakes/take-tokens.ts', ...args]);
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString('utf8')));
  const result = new Promise<Tally>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(JSON.parse(stdout) as Tally) : reject(new Error(`take-tokens exited ${String(code)}: ${stderr}`))));
  });
  return new Promise((resolve, reject) => {
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString('utf8');
      if (/^ready$/m.test(stderr)) resolve({ go: () => child.stdin.end('go\n'), result });
    });
    result.catch(reject);
  });
}

describe(`a token bucket of ${CAPACITY} shared by two bot processes through one store`, () => {
  let dynamo: TestDynamo;
  beforeAll(async () => {
    dynamo = await startTestDynamo();
  });
  afterAll(async () => dynamo.close());

  async function freshPrefix(name: string): Promise<string> {
    const prefix = `rl-${name}-`;
    await ensureTables(dynamo.doc, prefix);
    return prefix;
  }

  it(`grants exactly ${CAPACITY} of ${REQUESTS} concurrent requests made through two separate store clients`, async () => {
    const prefix = await freshPrefix('clients');
    const a = separateStore(dynamo.endpoint, prefix);
    const b = separateStore(dynamo.endpoint, prefix);
    try {
      const [fromA, fromB] = await Promise.all([takeMany(a.store, 'action:restart', REQUESTS / 2), takeMany(b.store, 'action:restart', REQUESTS / 2)]);
      expect([...fromA.errors, ...fromB.errors]).toEqual([]);
      expect(fromA.granted + fromB.granted).toBe(CAPACITY);
      expect(fromA.refused + fromB.refused).toBe(REQUESTS - CAPACITY);
      expect(await a.store.peek('action:restart')).toBe(0);
    } finally {
      a.close();
      b.close();
    }
  });

  // The other process loads the store code first: seconds of CPU, many more on a busy machine.
  it(`grants exactly ${CAPACITY} of ${REQUESTS} concurrent requests when half of them come from another OS process`, { timeout: 60_000 }, async () => {
    const prefix = await freshPrefix('process');
    const taker = await startTaker([dynamo.endpoint, prefix, 'authority:ON_CALL_SRE', String(CAPACITY), String(REQUESTS / 2), String(Date.parse(FROZEN))]);
    const here = separateStore(dynamo.endpoint, prefix);
    try {
      taker.go();
      const [ours, theirs] = await Promise.all([takeMany(here.store, 'authority:ON_CALL_SRE', REQUESTS / 2), taker.result]);
      expect([...ours.errors, ...theirs.errors]).toEqual([]);
      expect(theirs.granted + theirs.refused).toBe(REQUESTS / 2);
      expect(ours.granted + theirs.granted).toBe(CAPACITY);
      expect(ours.refused + theirs.refused).toBe(REQUESTS - CAPACITY);
    } finally {
      here.close();
    }
  });

  it('refuses once empty, says when the next token is due, and grants again once that time has passed', async () => {
    const prefix = await freshPrefix('refill');
    const clock = manualClock(FROZEN);
    const { store, close } = separateStore(dynamo.endpoint, prefix, clock);
    try {
      expect(await takeMany(store, 'action:network_change', 6, 5)).toEqual({ granted: 5, refused: 1, errors: [] });
      // 5 a minute: one token every 12 s.
      expect(await store.take('action:network_change', 5, 5)).toEqual({ granted: false, retryAfterMs: 12_000 });
      clock.advance(12_000);
      expect(await store.take('action:network_change', 5, 5)).toMatchObject({ granted: true });
      expect(await store.take('action:network_change', 5, 5)).toMatchObject({ granted: false });
    } finally {
      close();
    }
  });

  it('grants no more than the bucket holds to a burst after it sat full and idle (no credit for idle time)', async () => {
    const prefix = await freshPrefix('idle');
    const clock = manualClock(FROZEN);
    const { store, close } = separateStore(dynamo.endpoint, prefix, clock);
    try {
      // 20 a minute, full: one take, then a minute of quiet in which it would refill past its size.
      expect(await store.take('action:restart', 20, 20)).toMatchObject({ granted: true });
      clock.advance(59_000);
      // A true token bucket holds at most 20 now, whatever the idle time.
      expect(await takeMany(store, 'action:restart', 40, 20)).toEqual({ granted: 20, refused: 20, errors: [] });
    } finally {
      close();
    }
  });
});
