import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../../src/core/canonical-json.js';

/**
 * The text every audit hash so far was taken over: JSON.stringify of a copy with sorted keys.
 * Records already in stores must keep verifying, so canonicalJson must give exactly this.
 */
function reference(value: unknown): string {
  const sortKeys = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(sortKeys);
    if (v && typeof v === 'object') {
      return Object.fromEntries(
        Object.entries(v as Record<string, unknown>)
          .filter(([, x]) => x !== undefined)
          .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
          .map(([k, x]) => [k, sortKeys(x)]),
      );
    }
    return v;
  };
  return JSON.stringify(sortKeys(value));
}

/** A small deterministic PRNG, so a failure names a case that can be run again. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const KEYS = ['0', '4294967294', '4294967295', '007', '-1', '1.5', 'a', 'B', 'z', 'é', 'Ω', '😀', '10', '9', '', ' ', 'a b', '"q"', '\\', '\n', '__proto__x', 'kind', 'details'];
const STRINGS = ['', 'plain', 'ünïcödé', '😀 emoji', 'line\nbreak', 'quote " and \\ slash', '\u0000\u001f', '\ud800 lone surrogate', '<@U123>'];

function value(next: () => number, depth: number): unknown {
  const pick = <T,>(xs: readonly T[]) => xs[Math.floor(next() * xs.length)] as T;
  const kind = Math.floor(next() * (depth > 3 ? 6 : 9));
  switch (kind) {
    case 0:
      return pick(STRINGS);
    case 1:
      return pick([0, -0, 1, -1.5, 1e21, 1e-7, Number.MAX_SAFE_INTEGER, NaN, Infinity]);
    case 2:
      return next() < 0.5;
    case 3:
      return null;
    case 4:
      return undefined;
    case 5:
      return pick(STRINGS) + String(Math.floor(next() * 1000));
    case 6:
    case 7: {
      const out: Record<string, unknown> = {};
      const n = Math.floor(next() * 6);
      for (let i = 0; i < n; i++) out[pick(KEYS)] = value(next, depth + 1);
      return out;
    }
    default: {
      const n = Math.floor(next() * 5);
      return Array.from({ length: n }, () => value(next, depth + 1));
    }
  }
}

describe('canonicalJson', () => {
  it('gives the same text as JSON.stringify of the value with sorted keys, over thousands of random values', () => {
    const next = random(7);
    for (let i = 0; i < 5000; i++) {
      const v = value(next, 0);
      if (v === undefined) continue;
      expect(canonicalJson(v), JSON.stringify(v)).toBe(reference(v));
    }
  });

  it('sorts keys by UTF-16 code units at every level, leaves out undefined members and writes undefined items as null', () => {
    expect(canonicalJson({ b: 1, a: { d: undefined, c: [undefined, 2] }, A: 'x' })).toBe('{"A":"x","a":{"c":[null,2]},"b":1}');
    // eslint-disable-next-line no-sparse-arrays
    expect(canonicalJson([, 1])).toBe(reference([, 1]));
  });

  it('writes a Date and a function as JSON of a sorted copy would: an object without members, nothing', () => {
    const odd = { when: new Date(0), f: () => 1, s: Symbol('s') };
    expect(canonicalJson(odd)).toBe(reference(odd));
  });
});
