import type { Clock } from '../../src/services/ports.js';

export interface TestClock extends Clock {
  /** Moves the clock forward by `ms` at once (a jump of minutes, say). */
  advance(ms: number): void;
  /** Stops it where it is, for exact readings; `advance` still moves it. */
  freeze(): void;
}

/**
 * A clock for a running bot that a test moves by hand, and that otherwise keeps running with real
 * time. A clock that stood still would also stop the bot's own timers that read it: a Slack
 * delivery that failed once (a store call slower than its budget on a busy machine) waits for a
 * retry time the clock never reaches, and `settle()` never returns. `freeze()` is for the moment a
 * test reads exact figures, once the bot has nothing left to do.
 */
export function testClock(start = Date.now()): TestClock {
  let offset = start - Date.now();
  let frozenAt: number | undefined;
  const read = () => frozenAt ?? Date.now() + offset;
  return {
    now: () => new Date(read()),
    advance(ms) {
      if (frozenAt !== undefined) frozenAt += ms;
      else offset += ms;
    },
    freeze() {
      frozenAt = read();
    },
  };
}
