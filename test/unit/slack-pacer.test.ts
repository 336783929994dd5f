import { describe, expect, it } from 'vitest';
import { createPacer } from '../../src/adapters/slack/delivery/pacer.js';

describe("the pacer keeps Slack's limits on our side", () => {
  it('spaces posts in one channel, and not across channels', () => {
    const pacer = createPacer({ postIntervalMs: 1000, updatesPerWindow: 50, updateWindowMs: 60_000 });
    expect(pacer.postWait('C1', 0)).toBe(0);
    pacer.posted('C1', 0);
    expect(pacer.postWait('C1', 400)).toBe(600);
    expect(pacer.postWait('C2', 400)).toBe(0);
    expect(pacer.postWait('C1', 1000)).toBe(0);
  });

  it('allows at most the window\'s worth of updates in any window, workspace-wide', () => {
    const pacer = createPacer({ postIntervalMs: 1000, updatesPerWindow: 3, updateWindowMs: 60_000 });
    for (const t of [0, 10, 20]) {
      expect(pacer.updateWait(t)).toBe(0);
      pacer.updated(t);
    }
    expect(pacer.updateWait(30)).toBe(59_970);
    expect(pacer.updateWait(60_000)).toBe(0);
  });

  it('holds what Slack asked to hold (Retry-After) beyond its own spacing', () => {
    const pacer = createPacer({ postIntervalMs: 1000, updatesPerWindow: 50, updateWindowMs: 60_000 });
    pacer.pauseChannel('C1', 30_000);
    pacer.pauseUpdates(5000);
    expect(pacer.postWait('C1', 0)).toBe(30_000);
    expect(pacer.postWait('C2', 0)).toBe(0);
    expect(pacer.updateWait(1000)).toBe(4000);
  });
});
