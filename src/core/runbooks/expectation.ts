/**
 * A `verify.expect` such as `< 0.01`: a comparison every value of the query's result must pass.
 * An empty result passes nothing: no data is not evidence that the fix worked (write
 * `… or vector(0)` when no series means zero).
 */
export type Comparison = '<' | '<=' | '>' | '>=' | '==' | '!=';

export interface Expectation {
  op: Comparison;
  value: number;
}

const EXPECTATION = /^\s*(<=|>=|==|!=|<|>)\s*(-?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?)\s*$/;

export function parseExpectation(text: string): Expectation | undefined {
  const m = EXPECTATION.exec(text);
  return m ? { op: m[1] as Comparison, value: Number(m[2]) } : undefined;
}

function passes(e: Expectation, v: number): boolean {
  switch (e.op) {
    case '<':
      return v < e.value;
    case '<=':
      return v <= e.value;
    case '>':
      return v > e.value;
    case '>=':
      return v >= e.value;
    case '==':
      return v === e.value;
    case '!=':
      return v !== e.value;
  }
}

export type ExpectationVerdict = { holds: true; values: number[] } | { holds: false; values: number[]; reason: string };

/** Whether the values of one evaluation (one per series) meet the expectation. NaN never does. */
export function judge(e: Expectation, values: readonly number[]): ExpectationVerdict {
  if (values.length === 0) return { holds: false, values: [], reason: 'the query returned no data' };
  const failing = values.filter((v) => Number.isNaN(v) || !passes(e, v));
  if (failing.length === 0) return { holds: true, values: [...values] };
  return { holds: false, values: [...values], reason: `${failing.length} of ${values.length} value(s) not ${e.op} ${e.value} (e.g. ${failing[0]})` };
}
