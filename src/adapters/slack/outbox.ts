import type { WebAPICallResult, WebClient } from '@slack/web-api';
import type { Logger } from 'pino';
import type { ChatBlocks, ChatPort } from '../../services/ports.js';
import { classifySlackError, SlackDeliveryError } from './slack-errors.js';

export interface SlackOutboxOptions {
  /**
   * Build it with `createSlackWebClient` (or with `rejectRateLimitedCalls: true` and
   * `retryConfig: { retries: 0 }`). Left to itself the WebClient answers a 429 by pausing its one
   * request queue, so a storm in one channel would stall every channel; and it retries 5xx for up to
   * half an hour behind our back. The outbox does both itself, per channel.
   */
  client: WebClient;
  log: Logger;
  /** Gap between two calls in one channel. Slack allows about one message a second per channel. */
  minIntervalMs?: number;
  /** Attempts at a call that keeps failing transiently (5xx, network). 429s do not count. */
  maxAttempts?: number;
  /** First backoff after a transient failure; doubles each attempt, capped at 30 s. */
  backoffBaseMs?: number;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
}

/** A ChatPort that queues calls per channel, plus the hooks tests and shutdown need. */
export interface SlackOutbox extends ChatPort {
  /** Resolves once every channel's queue is empty (including calls added while draining). */
  drain(): Promise<void>;
  /** Stops sending: queued calls fail with `shutting_down`. Returns how many were still queued. */
  stop(): number;
  /** Calls queued or in flight, over all channels; coalesced updates count once. */
  depth(): number;
}

type Method = 'chat.postMessage' | 'chat.update' | 'chat.postEphemeral';

interface Waiter {
  resolve(result: WebAPICallResult): void;
  reject(err: Error): void;
}

interface Job {
  method: Method;
  /** Replaced in place when a later update of the same message coalesces into this one. */
  args: Record<string, unknown>;
  waiters: Waiter[];
  /** The `ts` of the message a `chat.update` edits; undefined for other calls. */
  updateOf?: string;
  /** True while the HTTP request is out; content cannot change under a request already sent. */
  inFlight: boolean;
}

/** One channel's FIFO queue and its worker. Lanes are never removed, so spacing survives idle gaps. */
interface Lane {
  channel: string;
  jobs: Job[];
  /** The newest queued update of each message, still open for coalescing. */
  updates: Map<string, Job>;
  lastCallAt: number;
  worker?: Promise<void>;
  log: Logger;
}

const MAX_BACKOFF_MS = 30_000;

const defaultSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Outbound Slack (DESIGN §2.4): one FIFO queue per channel, each worked on its own, so a 429 storm
 * in one channel never stalls another; at least `minIntervalMs` between calls in a channel; a 429
 * waits Retry-After and sends the same call again; transient failures back off exponentially; a
 * permanent error rejects the caller's promise and is logged. Nothing is dropped silently.
 */
export function createSlackOutbox(options: SlackOutboxOptions): SlackOutbox {
  const { client } = options;
  const log = options.log.child({ component: 'slack-outbox' });
  const minIntervalMs = options.minIntervalMs ?? 1000;
  const maxAttempts = Math.max(1, options.maxAttempts ?? 5);
  const backoffBaseMs = options.backoffBaseMs ?? 500;
  const sleep = options.sleep ?? defaultSleep;
  const now = options.now ?? Date.now;
  const lanes = new Map<string, Lane>();
  let stopped = false;

  function laneFor(channel: string): Lane {
    let lane = lanes.get(channel);
    if (!lane) {
      lane = { channel, jobs: [], updates: new Map(), lastCallAt: -Infinity, log: log.child({ channel }) };
      lanes.set(channel, lane);
    }
    return lane;
  }

  function enqueue(channel: string, method: Method, args: Record<string, unknown>, updateOf?: string) {
    const lane = laneFor(channel);
    return new Promise<WebAPICallResult>((resolve, reject) => {
      const waiter: Waiter = { resolve, reject };
      const queued = updateOf === undefined ? undefined : lane.updates.get(updateOf);
      if (queued && !queued.inFlight) {
        // Only the message's final state matters: send the newest content once, answer both callers.
        queued.args = args;
        queued.waiters.push(waiter);
        lane.log.debug({ ts: updateOf }, 'coalesced a queued update of the same message');
        return;
      }
      const job: Job = { method, args, waiters: [waiter], updateOf, inFlight: false };
      lane.jobs.push(job);
      if (updateOf !== undefined) lane.updates.set(updateOf, job);
      lane.worker ??= work(lane);
    });
  }

  async function work(lane: Lane): Promise<void> {
    // The loop's last check and the reset below run in one synchronous step, so a call enqueued at
    // any moment either is seen by this loop or starts a new worker.
    while (lane.jobs.length > 0) {
      const job = nextJob(lane);
      const wait = job.method === 'chat.postMessage' ? lane.lastCallAt + minIntervalMs - now() : 0;
      if (wait > 0) {
        // Short steps, so a reply that arrives meanwhile is picked up without waiting out the slot.
        await sleep(Math.min(wait, 100));
        continue;
      }
      try {
        const result = await deliver(lane, job);
        settle(lane, job);
        for (const w of job.waiters) w.resolve(result);
      } catch (err) {
        settle(lane, job);
        const error = err instanceof Error ? err : new Error(String(err));
        lane.log.error({ err: error, method: job.method, callers: job.waiters.length }, 'Slack call failed');
        for (const w of job.waiters) w.reject(error);
      }
    }
    lane.worker = undefined;
  }

  /**
   * Slack's "about one message a second per channel" is chat.postMessage's special limit; updates
   * and ephemeral replies have their own (higher) method limits, and a 429 still makes the whole
   * channel wait. So only posts are spaced, and a reply to a click is not held up behind them.
   *
   * The head of the queue, unless it is a post still waiting for its slot: then an update or an
   * ephemeral reply behind it goes first. That reorders nothing that matters: posts keep their
   * order, and an update is only ever queued once its message was posted.
   */
  function nextJob(lane: Lane): Job {
    const head = lane.jobs[0]!;
    if (head.method !== 'chat.postMessage' || lane.lastCallAt + minIntervalMs <= now()) return head;
    return lane.jobs.find((j) => j.method !== 'chat.postMessage') ?? head;
  }

  function settle(lane: Lane, job: Job): void {
    const i = lane.jobs.indexOf(job);
    if (i !== -1) lane.jobs.splice(i, 1);
    if (job.updateOf !== undefined && lane.updates.get(job.updateOf) === job) lane.updates.delete(job.updateOf);
  }

  /** Sends one job until Slack accepts it; throws SlackDeliveryError when it never will. */
  async function deliver(lane: Lane, job: Job): Promise<WebAPICallResult> {
    let failures = 0;
    for (;;) {
      if (stopped) throw new SlackDeliveryError(job.method, lane.channel, 'shutting_down', 'the bot stopped before Slack took this call');

      let error: unknown;
      job.inFlight = true;
      try {
        return await client.apiCall(job.method, job.args);
      } catch (err) {
        error = err;
      } finally {
        job.inFlight = false;
        if (job.method === 'chat.postMessage') lane.lastCallAt = now();
      }

      const verdict = classifySlackError(error);
      if (verdict.kind === 'permanent') {
        throw new SlackDeliveryError(job.method, lane.channel, verdict.code, undefined, { cause: error });
      }
      if (verdict.kind === 'rate_limited') {
        // Slack asked this channel to wait; the call itself was fine, so it is not a failed attempt.
        lane.log.warn({ method: job.method, retryAfterMs: verdict.retryAfterMs }, 'Slack rate-limited the channel');
        await sleep(verdict.retryAfterMs);
        continue;
      }
      failures += 1;
      if (failures >= maxAttempts) {
        const detail = `${failures} attempts, last: ${verdict.reason}`;
        throw new SlackDeliveryError(job.method, lane.channel, 'retries_exhausted', detail, { cause: error });
      }
      const backoffMs = Math.min(MAX_BACKOFF_MS, backoffBaseMs * 2 ** (failures - 1));
      lane.log.warn({ method: job.method, reason: verdict.reason, attempt: failures, backoffMs }, 'retrying Slack call');
      await sleep(backoffMs);
    }
  }

  return {
    enabled: true,

    async postMessage(channel: string, message: ChatBlocks, threadTs?: string) {
      const args = { channel, text: message.text, blocks: message.blocks, ...(threadTs ? { thread_ts: threadTs } : {}) };
      const result = (await enqueue(channel, 'chat.postMessage', args)) as WebAPICallResult & { ts?: string };
      return { ts: result.ts ?? '' };
    },

    async updateMessage(channel: string, ts: string, message: ChatBlocks) {
      await enqueue(channel, 'chat.update', { channel, ts, text: message.text, blocks: message.blocks }, ts);
    },

    async postEphemeral(channel: string, user: string, text: string, threadTs?: string) {
      await enqueue(channel, 'chat.postEphemeral', { channel, user, text, ...(threadTs ? { thread_ts: threadTs } : {}) });
    },

    async drain() {
      for (;;) {
        const workers = [...lanes.values()].flatMap((lane) => (lane.worker ? [lane.worker] : []));
        if (workers.length === 0) return;
        await Promise.all(workers);
      }
    },

    depth() {
      let n = 0;
      for (const lane of lanes.values()) n += lane.jobs.length;
      return n;
    },

    stop() {
      // Shutdown after a bounded drain: what Slack has not taken yet fails its callers (and is
      // logged), instead of holding the process open at one message a second.
      stopped = true;
      return this.depth();
    },
  };
}
