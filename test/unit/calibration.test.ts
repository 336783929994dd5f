import { describe, expect, it } from 'vitest';
import type { Proposal } from '../../src/core/proposal.js';
import { calibrate } from '../../src/core/reports.js';

const T0 = new Date('2026-11-02T09:00:00Z').getTime();

describe('monthly calibration', () => {
  it.each([
    ['2 runs are too few to judge', 2, 0, []],
    ['exactly 80% is fine', 5, 1, []],
    ['below 80% is flagged', 5, 2, ['r']],
  ])('%s', (_label, runs, failures, expected) => {
    const proposals = Array.from({ length: runs }, (_, i) => ({ plan: { runbookId: 'r' }, status: i < failures ? 'failed' : 'succeeded', finishedAt: new Date(T0 - (i + 1) * 86_400_000).toISOString() }) as unknown as Proposal);
    expect(calibrate(proposals, [], new Date(T0)).map((c) => c.runbook)).toEqual(expected);
  });
});
