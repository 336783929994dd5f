import type { Logger } from 'pino';
import type { ReplayStore } from '../../services/ports.js';

/** A store that hangs must not hold a listener's work for long. */
const STORE_TIMEOUT_MS = 1000;
/** Signatures this replica remembers itself; past this, the oldest are forgotten (the store still has them). */
const MAX_LOCAL = 20_000;

/** `seenHere`: this replica answered the same signature already. Otherwise the store's verdict, to come. */
export type ReplayCheck = { seenHere: true } | { seenHere: false; seenBefore: Promise<boolean | undefined> };

/**
 * Refuses a Slack signature seen in the last 5 minutes. This replica's own memory answers at once
 * (a replay sent to the same replica gets a 401); the store, shared by every replica, answers a
 * moment later, without holding the ack: a replay that reaches another replica is acked, and its
 * work is stopped before it touches anything (see SlackHttpReceiver's ack).
 */
export class ReplayGuard {
  private readonly local = new Map<string, number>();

  constructor(
    private readonly store: ReplayStore,
    private readonly log: Logger,
    private readonly timeoutMs = STORE_TIMEOUT_MS,
  ) {}

  check(signature: string, until: Date, nowMs: number): ReplayCheck {
    const expiry = this.local.get(signature);
    if (expiry !== undefined && expiry > nowMs) return { seenHere: true };
    this.remember(signature, until.getTime(), nowMs);
    return { seenHere: false, seenBefore: this.askStore(signature, until) };
  }

  private remember(signature: string, expiry: number, nowMs: number): void {
    this.local.set(signature, expiry);
    if (this.local.size <= MAX_LOCAL) return;
    for (const [key, at] of this.local) {
      if (at <= nowMs || this.local.size > MAX_LOCAL) this.local.delete(key);
      else break;
    }
  }

  /**
   * True when another replica saw it; undefined when the store could not say in time. Then the
   * request goes on (logged): everything a request can change is written to that same store, which
   * refuses it, and the person still gets an honest "the store did not answer".
   */
  private async askStore(signature: string, until: Date): Promise<boolean | undefined> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<undefined>((resolve) => {
      timer = setTimeout(() => resolve(undefined), this.timeoutMs);
    });
    try {
      const seen = await Promise.race([this.store.firstSeen(signature, until).then((first) => !first), timeout]);
      if (seen === undefined) this.log.error('the replay check did not answer in time; the request goes on');
      return seen;
    } catch (err) {
      this.log.error({ err }, 'could not check a Slack request for replay; the request goes on');
      return undefined;
    } finally {
      clearTimeout(timer);
    }
  }
}
