import { describe, expect, it } from 'vitest';
import { compareStreamPositions, parseStreamEventId, streamEventId } from '../../src/core/audit-event-id.js';

const at = (timestamp: string, incidentId: string, seq: number) => ({ incidentId, seq, timestamp });

describe('live stream event ids', () => {
  it.each([
    [at('2026-01-05T10:00:00.000Z', 'INC-7', 3), 'INC-7:3@2026-01-05T10:00:00.000Z'],
    [at('2026-01-05T10:00:00.123Z', 'CONTROLS', 12), 'CONTROLS:12@2026-01-05T10:00:00.123Z'],
  ])('writes %o as %s and reads it back', (position, id) => {
    expect(streamEventId(position)).toBe(id);
    expect(parseStreamEventId(id)).toEqual({ ok: true, position });
  });

  it('reads an id without a time, as earlier bots sent, for the caller to look up', () => {
    expect(parseStreamEventId('INC-4:7')).toEqual({ ok: true, legacy: { incidentId: 'INC-4', seq: 7 } });
  });

  it.each([
    ['', 'empty'],
    ['INC-1', 'no seq'],
    ['INC-1:0@2026-01-05T10:00:00.000Z', 'seq 0'],
    ['INC-1:x@2026-01-05T10:00:00.000Z', 'seq not a number'],
    ['INC-1:3@yesterday', 'not a time'],
    ['INC-1:3@2026-01-05T10:00:00Z', 'a time without milliseconds (not what the stream sends)'],
    ['INC-1:3@2026-01-05T12:00:00.000+02:00', 'a time not in UTC'],
    ['a b:3@2026-01-05T10:00:00.000Z', 'a space in the incident'],
  ])('refuses %j (%s), saying what it expects', (id) => {
    const parsed = parseStreamEventId(id);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.reason).toContain('INC-7:3@2026-01-05T10:00:00.000Z');
  });

  it.each([
    [at('2026-01-05T10:00:00.000Z', 'INC-9', 9), at('2026-01-05T10:00:00.001Z', 'INC-1', 1), -1],
    [at('2026-01-05T10:00:00.000Z', 'INC-1', 5), at('2026-01-05T10:00:00.000Z', 'INC-2', 1), -1],
    [at('2026-01-05T10:00:00.000Z', 'INC-1', 9), at('2026-01-05T10:00:00.000Z', 'INC-1', 10), -1],
    [at('2026-01-05T10:00:00.000Z', 'INC-1', 2), at('2026-01-05T10:00:00.000Z', 'INC-1', 2), 0],
  ])('orders by time, then incident, then seq: %o before %o', (a, b, sign) => {
    expect(Math.sign(compareStreamPositions(a, b))).toBe(sign);
    expect(Math.sign(compareStreamPositions(b, a))).toBe(-sign || 0);
  });
});
