import { spawn } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDynamoRateLimitStore } from '../../src/adapters/stores/dynamo-rate-limit-store.js';
import { ensureTables } from '../../src/adapters/stores/tables.js';
import type { Clock, RateLimitStore, TokenDecision } from '../../src/services/ports.js';
import { burstDocumentClient, manualClock, startTestDynamo } from './stores/harness.js';
import type { TestDynamo } from './stores/harness.js';

const CAPACITY = 100;
/** The clock every taker reads: frozen, so the bucket never refills while the test runs. */
const FROZEN = '2024-05-01T12:00:00.000Z';
const frozen: Clock = { now: () => new Date(FROZEN) };
/** A burst of 1,000 requests on one dynalite takes seconds; this is correctness, not speed. */
const BURST_TIMEOUT_MS = 90_000;

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
  const child = spawn(path.resolve('node_modules/.bin/tsx'), ['test/fakes/take-tokens.ts', ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
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

describe('a token bucket of 100 shared by two bot processes through one store', () => {
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

  it(
    'grants exactly 100 of 1,000 concurrent requests made through two separate store clients',
    async () => {
      const prefix = await freshPrefix('clients');
      const a = separateStore(dynamo.endpoint, prefix);
      const b = separateStore(dynamo.endpoint, prefix);
      try {
        const [fromA, fromB] = await Promise.all([takeMany(a.store, 'action:restart', 500), takeMany(b.store, 'action:restart', 500)]);
        expect([...fromA.errors, ...fromB.errors]).toEqual([]);
        expect(fromA.granted + fromB.granted).toBe(CAPACITY);
        expect(fromA.refused + fromB.refused).toBe(1000 - CAPACITY);
        expect(await a.store.peek('action:restart')).toBe(0);
      } finally {
        a.close();
        b.close();
      }
    },
    BURST_TIMEOUT_MS,
  );

  it(
    'grants exactly 100 of 1,000 concurrent requests when 500 of them come from another OS process',
    async () => {
      const prefix = await freshPrefix('process');
      const taker = await startTaker([dynamo.endpoint, prefix, 'authority:ON_CALL_SRE', String(CAPACITY), '500', String(Date.parse(FROZEN))]);
      const here = separateStore(dynamo.endpoint, prefix);
      try {
        taker.go();
        const [ours, theirs] = await Promise.all([takeMany(here.store, 'authority:ON_CALL_SRE', 500), taker.result]);
        expect([...ours.errors, ...theirs.errors]).toEqual([]);
        expect(theirs.granted + theirs.refused).toBe(500);
        expect(ours.granted + theirs.granted).toBe(CAPACITY);
        expect(ours.refused + theirs.refused).toBe(1000 - CAPACITY);
      } finally {
        here.close();
      }
    },
    BURST_TIMEOUT_MS,
  );

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
