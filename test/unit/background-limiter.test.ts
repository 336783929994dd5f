import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createArrivalRate, createLimiter } from '../../src/services/background-tasks.js';

/** Starts `n` tasks through the limiter; each holds its slot until released by hand. */
function startTasks(limiter: ReturnType<typeof createLimiter>, n: number) {
  const startedAt: number[] = [];
  const releases: (() => void)[] = [];
  for (let i = 0; i < n; i++) {
    void limiter.acquire().then((release) => {
      startedAt.push(performance.now());
      releases.push(release);
    });
  }
  return { startedAt, releaseAll: () => releases.splice(0).forEach((r) => r()) };
}

describe('the background work limiter', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('runs at most `max` at once, the rest as slots free up', async () => {
    const limiter = createLimiter(() => 2);
    const tasks = startTasks(limiter, 5);
    await vi.advanceTimersByTimeAsync(0);
    expect(tasks.startedAt).toHaveLength(2);
    tasks.releaseAll();
    await vi.advanceTimersByTimeAsync(0);
    expect(tasks.startedAt).toHaveLength(4);
  });

  it('spaces starts by `spacing` while it is set, and never stops starting them', async () => {
    const limiter = createLimiter(() => 1, () => 1000);
    const tasks = startTasks(limiter, 4);
    await vi.advanceTimersByTimeAsync(0);
    expect(tasks.startedAt).toHaveLength(1);
    for (let i = 0; i < 3; i++) {
      tasks.releaseAll();
      await vi.advanceTimersByTimeAsync(999);
      expect(tasks.startedAt, 'not before the spacing').toHaveLength(i + 1);
      await vi.advanceTimersByTimeAsync(1);
      expect(tasks.startedAt).toHaveLength(i + 2);
    }
    const gaps = tasks.startedAt.slice(1).map((t, i) => t - (tasks.startedAt[i] as number));
    expect(gaps).toEqual([1000, 1000, 1000]);
  });

  it('starts waiting work at once when the spacing is lifted and it is woken', async () => {
    let busy = true;
    const limiter = createLimiter(() => (busy ? 1 : 4), () => (busy ? 1000 : 0));
    const tasks = startTasks(limiter, 4);
    await vi.advanceTimersByTimeAsync(0);
    expect(tasks.startedAt).toHaveLength(1);
    busy = false;
    limiter.wake();
    await vi.advanceTimersByTimeAsync(0);
    expect(tasks.startedAt).toHaveLength(4);
  });
});

describe('the arrival rate that tells a flood of webhooks', () => {
  it('counts the events of the last second, and forgets them as the second passes', () => {
    let now = 10_000;
    const rate = createArrivalRate(() => now);
    for (let i = 0; i < 60; i++) rate.add();
    expect(rate.perSecond()).toBe(60);
    now += 1000; // the next second: the previous one still covers the whole window
    expect(rate.perSecond()).toBe(60);
    now += 500; // half of it left
    expect(rate.perSecond()).toBe(30);
    rate.add();
    expect(rate.perSecond()).toBe(31);
    now += 2000; // two seconds with nothing
    expect(rate.perSecond()).toBe(0);
  });
});
