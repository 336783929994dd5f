import { describe, expect, it } from 'vitest';
import { streamEventId } from '../../src/core/audit-event-id.js';
import { createStreamSubscriber } from '../../src/services/audit-stream-subscriber.js';
import type { StreamEvent } from '../../src/services/audit-stream-subscriber.js';

const ev = (second: number, incidentId = 'INC-1', seq = second, late = false): StreamEvent => {
  const position = { incidentId, seq, timestamp: `2026-01-05T10:00:${String(second).padStart(2, '0')}.000Z` };
  return { position, id: streamEventId(position), data: JSON.stringify({ seq, pad: 'x'.repeat(10) }), late };
};

function subscriber(afterSecond: number, limits = { maxEvents: 100, maxBytes: 1_000_000 }) {
  const drops: string[] = [];
  const s = createStreamSubscriber({ after: ev(afterSecond).position, limits, lateWindowMs: 30_000, onDrop: (r) => drops.push(r) });
  const drain = () => {
    const out: string[] = [];
    for (let e = s.next(); e; e = s.next()) {
      out.push(e.id);
      s.sent(e);
    }
    return out;
  };
  return { s, drops, drain };
}

describe('a live stream subscriber', () => {
  it('passes on what comes after its place, once, and skips what it was sent already', () => {
    const { s, drain } = subscriber(10);
    s.offer([ev(9), ev(10), ev(11), ev(12), ev(11)]);
    expect(drain()).toEqual([ev(11).id, ev(12).id]);
  });

  it('skips live events a replay already sent (the replay runs while live ones queue)', () => {
    const { s, drain } = subscriber(10);
    s.offer([ev(12), ev(13)]);
    for (const e of [ev(11), ev(12)]) if (s.wants(e)) s.sent(e);
    expect(drain()).toEqual([ev(13).id]);
  });

  it('passes on a late record (older than what it was sent) once, unless it had it already', () => {
    const { s, drain } = subscriber(10);
    s.offer([ev(12)]);
    expect(drain()).toEqual([ev(12).id]);
    s.offer([ev(11, 'INC-2', 1, true)]);
    s.offer([ev(11, 'INC-2', 1, true), ev(12, 'INC-1', 12, true)]);
    expect(drain()).toEqual([ev(11, 'INC-2', 1).id]);
  });

  it.each([
    ['events', { maxEvents: 3, maxBytes: 1_000_000 }, /more than 3 events waited/],
    ['bytes', { maxEvents: 100, maxBytes: 100 }, /more than 100 bytes waited/],
  ])('is dropped, its buffer freed, when more %s than its limit still wait as the next poll’s arrive', (_what, limits, reason) => {
    const { s, drops, drain } = subscriber(0, limits);
    s.offer([ev(1), ev(2)]);
    s.offer([ev(3), ev(4)]);
    expect(s.dropped()).toBeUndefined();
    s.offer([ev(5)]);
    expect(s.dropped()).toMatch(reason);
    expect(s.dropped()).toContain('reconnect with Last-Event-ID');
    expect(drops).toEqual([s.dropped()]);
    expect(drain()).toEqual([]);
    s.offer([ev(6)]);
    expect(drain()).toEqual([]);
  });

  it('takes a burst larger than its limit when it has kept up, and is not dropped while it keeps up', () => {
    const { s, drain } = subscriber(0, { maxEvents: 3, maxBytes: 1_000_000 });
    s.offer([ev(1), ev(2), ev(3), ev(4), ev(5)]);
    expect(drain()).toHaveLength(5);
    s.offer([ev(6), ev(7), ev(8)]);
    s.offer([ev(9)]);
    expect(s.dropped()).toBeUndefined();
    expect(drain()).toHaveLength(4);
  });

  it('wakes a waiting writer when an event arrives', async () => {
    const { s } = subscriber(0);
    const woke = s.wait(60_000);
    s.offer([ev(1)]);
    expect(await woke).toBe(true);
  });
});
