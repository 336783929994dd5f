/**
 * What every scenario's bot runs with: nothing is executed (DRY_RUN), and only warnings are logged,
 * into the harness's memory rather than stdout, so the report stays readable.
 */
export const BENCH_ENV = { DRY_RUN: 'true', LOG_LEVEL: 'warn' };

/** pino's level numbers: 40 is warn, 50 error, 60 fatal. */
const WARN = 40;

/** How many captured log lines are warnings or worse: a run that logs many did not go as measured. */
export function warnings(logs: readonly string[]): number {
  let n = 0;
  for (const chunk of logs) {
    for (const line of chunk.split('\n')) {
      if (!line) continue;
      try {
        const level = (JSON.parse(line) as { level?: number }).level ?? 0;
        if (level >= WARN) n += 1;
      } catch {
        n += 1;
      }
    }
  }
  return n;
}
