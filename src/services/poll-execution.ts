import { systemClock } from './ports.js';
import type { AutomationExecution, AutomationExecutor, Clock } from './ports.js';
import { isTerminalStatus } from './automation-status.js';

export { isSuccessStatus, isTerminalStatus } from './automation-status.js';

export interface PollOptions {
  sleep: (ms: number) => Promise<void>;
  /** Called whenever the status differs from the last one seen (the first one and the terminal one included). */
  onProgress?: (execution: AutomationExecution) => void | Promise<void>;
  /** First wait between polls; doubles after each poll up to `maxMs`. */
  initialMs?: number;
  maxMs?: number;
  /** Give up polling (not the execution) after this long. */
  timeoutMs?: number;
  /** Measures the timeout; tests pass a clock that their `sleep` advances. */
  clock?: Clock;
}

/** The last execution seen; `timedOut` is true when polling stopped before a terminal status. */
export type PolledExecution = AutomationExecution & { timedOut: boolean };

/**
 * Polls `get` until the execution reaches a terminal status or `timeoutMs` passes. The wait grows
 * from `initialMs` to `maxMs` so a long runbook costs few GetAutomationExecution calls (whose quota
 * is shared with every other caller in the account). Errors from `get`, already retried by the
 * executor, propagate: the caller records them, and a restarted bot resumes polling from the store.
 */
export async function pollUntilTerminal(
  executor: AutomationExecutor,
  executionId: string,
  options: PollOptions,
): Promise<PolledExecution> {
  const initialMs = options.initialMs ?? 1000;
  const maxMs = options.maxMs ?? 15_000;
  const timeoutMs = options.timeoutMs ?? 30 * 60_000;
  const clock = options.clock ?? systemClock;
  const deadline = clock.now().getTime() + timeoutMs;

  let delayMs = initialMs;
  let lastStatus: string | undefined;
  for (;;) {
    const execution = await executor.get(executionId);
    if (execution.status !== lastStatus) {
      lastStatus = execution.status;
      await options.onProgress?.(execution);
    }
    if (isTerminalStatus(execution.status)) return { ...execution, timedOut: false };

    const remainingMs = deadline - clock.now().getTime();
    if (remainingMs <= 0) return { ...execution, timedOut: true };
    await options.sleep(Math.min(delayMs, remainingMs));
    delayMs = Math.min(maxMs, delayMs * 2);
  }
}
