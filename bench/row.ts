import { percentile } from './percentiles.js';

/** One line of the bench report. `target` is shown as written; `pass` is left out when there is no target. */
export interface Row {
  name: string;
  value: number;
  unit: string;
  target?: string;
  pass?: boolean;
}

/** A named measurement that sets up what it needs, tears it down, and returns its figures. */
export interface Scenario {
  name: string;
  run(): Promise<Row[]>;
}

/** A row with a "below `limit`" target. */
export function belowTarget(name: string, value: number, unit: string, limit: number): Row {
  return { name, value, unit, target: `< ${limit} ${unit}`, pass: value < limit };
}

/** p50, p99 and max of a set of latencies; the p99 row carries the target when there is one. */
export function latencyRows(name: string, latenciesMs: readonly number[], p99LimitMs?: number): Row[] {
  const p99 = percentile(latenciesMs, 99);
  return [
    { name: `${name} p50`, value: percentile(latenciesMs, 50), unit: 'ms' },
    p99LimitMs === undefined ? { name: `${name} p99`, value: p99, unit: 'ms' } : belowTarget(`${name} p99`, p99, 'ms', p99LimitMs),
    { name: `${name} max`, value: percentile(latenciesMs, 100), unit: 'ms' },
  ];
}

/** A row that should come out at exactly `expected` (a count the scenario relies on). */
export function exactTarget(name: string, value: number, unit: string, expected: number): Row {
  return { name, value, unit, target: `= ${expected}`, pass: value === expected };
}
