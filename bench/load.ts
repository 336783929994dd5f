import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';

/** Sends request `i` and resolves with the HTTP answer. */
export type Send = (i: number) => Promise<Response>;

export interface Sample {
  index: number;
  ms: number;
  /** The answer, parsed when it is JSON: for checks such as "how many incidents did these alerts open". */
  body: unknown;
}

export interface LoadResult {
  /** Each request that got a 2xx: its index, milliseconds from send to answer (body read), and body. */
  samples: Sample[];
  /** Requests answered with anything but 2xx, or not answered at all. */
  failures: number;
  /** Milliseconds from the first send to the last answer. */
  wallMs: number;
  /** How late each send left compared with its schedule (open loop only; 0 when on time). */
  sendLagMs: number[];
  /** The first few failures, so a broken run says why. */
  errors: string[];
}

function emptyResult(): LoadResult {
  return { samples: [], failures: 0, wallMs: 0, sendLagMs: [], errors: [] };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

async function timed(send: Send, i: number, result: LoadResult): Promise<void> {
  const started = performance.now();
  try {
    const res = await send(i);
    const text = await res.text();
    const elapsed = performance.now() - started;
    if (res.ok) {
      result.samples.push({ index: i, ms: elapsed, body: parseJson(text) });
      return;
    }
    result.failures += 1;
    if (result.errors.length < 5) result.errors.push(`${res.status} ${text.slice(0, 200)}`);
  } catch (err) {
    result.failures += 1;
    if (result.errors.length < 5) result.errors.push((err as Error).message);
  }
}

/**
 * Open loop: request i leaves at start + i × interval whatever the earlier ones are doing, as
 * Alertmanager's notifications do. A closed loop would slow down with the server and hide queueing.
 */
export async function openLoop(count: number, intervalMs: number, send: Send): Promise<LoadResult> {
  const result = emptyResult();
  const inFlight: Promise<void>[] = [];
  const start = performance.now();
  for (let i = 0; i < count; i++) {
    const due = start + i * intervalMs;
    const wait = due - performance.now();
    if (wait > 0) await sleep(wait);
    result.sendLagMs.push(Math.max(0, performance.now() - due));
    inFlight.push(timed(send, i, result));
  }
  await Promise.all(inFlight);
  result.wallMs = performance.now() - start;
  return result;
}

/** Closed loop: `concurrency` workers, each sending its next request as soon as the last is answered. */
export async function closedLoop(count: number, concurrency: number, send: Send): Promise<LoadResult> {
  const result = emptyResult();
  let next = 0;
  const start = performance.now();
  const worker = async () => {
    while (next < count) await timed(send, next++, result);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  result.wallMs = performance.now() - start;
  return result;
}
