import { describe, expect, it } from 'vitest';
import { occurrenceKey } from '../../src/services/occurrence-key.js';

describe('occurrence keys', () => {
  it('differ for events in the same millisecond, and between replicas', () => {
    const clock = { now: () => new Date('2026-11-23T10:00:00.000Z') };
    const keys = [occurrenceKey({ clock, replicaId: 'aaaaaaaa-1' }), occurrenceKey({ clock, replicaId: 'aaaaaaaa-1' }), occurrenceKey({ clock, replicaId: 'bbbbbbbb-2' })];
    expect(new Set(keys).size).toBe(3);
  });
});
