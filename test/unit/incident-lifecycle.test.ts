import { describe, expect, it } from 'vitest';
import type { Alert } from '../../src/core/alert.js';
import { applyAlert, canReopen, newIncident, REOPEN_WINDOW_MS } from '../../src/core/incident.js';

const t0 = new Date('2026-01-01T00:00:00Z');
const later = (ms: number) => new Date(t0.getTime() + ms);

function alert(fingerprint: string, status: Alert['status'], severity = 'warning', startsAt = t0): Alert {
  return { source: 'alertmanager', groupKey: 'g', fingerprint, name: 'X', status, severity, summary: 's', labels: {}, annotations: {}, startsAt: startsAt.toISOString() };
}

describe('incident lifecycle', () => {
  it('opens with the first alert and joins further alerts of the group', () => {
    const inc = newIncident('INC-1', alert('a', 'firing'), t0);
    expect(inc).toMatchObject({ id: 'INC-1', status: 'open', round: 0 });
    const joined = applyAlert(inc, alert('b', 'firing', 'critical'), later(1000));
    expect(joined.effect).toBe('alert-added');
    expect(Object.keys(joined.incident.alerts)).toEqual(['a', 'b']);
    expect(joined.incident.severity).toBe('critical');
  });

  it('treats a redelivered alert as unchanged', () => {
    const inc = newIncident('INC-1', alert('a', 'firing'), t0);
    expect(applyAlert(inc, alert('a', 'firing'), later(5)).effect).toBe('unchanged');
  });

  describe('with alerts Alertmanager left out (truncatedAlerts, set by max_alerts)', () => {
    const truncated = (fingerprint: string, status: Alert['status'], omitted: number): Alert => ({ ...alert(fingerprint, status), omittedFromGroup: omitted });

    it('does not resolve when every alert it was shown resolved but others were left out: those may still fire', () => {
      let inc = newIncident('INC-1', truncated('a', 'firing', 3), t0);
      expect(inc.alertsOmitted).toBe(3);
      const result = applyAlert(inc, truncated('a', 'resolved', 3), later(1));
      expect(result.effect).toBe('alert-updated');
      expect(result.incident).toMatchObject({ status: 'open', alertsOmitted: 3 });
      inc = result.incident;
      // A later notification leaves nothing out and shows the same resolved alert: now it resolves.
      const settled = applyAlert(inc, truncated('a', 'resolved', 0), later(2));
      expect(settled.effect).toBe('resolved');
      expect(settled.incident.status).toBe('resolved');
      expect(settled.incident.alertsOmitted).toBeUndefined();
    });

    it('keeps the latest count, also from a notification that changes no alert', () => {
      const inc = newIncident('INC-1', truncated('a', 'firing', 3), t0);
      const result = applyAlert(inc, truncated('a', 'firing', 9), later(1));
      expect(result.effect).toBe('alert-updated');
      expect(result.incident.alertsOmitted).toBe(9);
      expect(applyAlert(result.incident, truncated('a', 'firing', 9), later(2)).effect).toBe('unchanged');
    });

    it('keeps the count it had when the sender cannot say', () => {
      const inc = newIncident('INC-1', truncated('a', 'firing', 3), t0);
      const result = applyAlert(inc, alert('a', 'resolved'), later(1));
      expect(result.incident).toMatchObject({ status: 'open', alertsOmitted: 3 });
    });
  });

  it('resolves only when every alert has resolved', () => {
    let inc = newIncident('INC-1', alert('a', 'firing'), t0);
    inc = applyAlert(inc, alert('b', 'firing'), later(1)).incident;
    const first = applyAlert(inc, alert('a', 'resolved'), later(2));
    expect(first.effect).toBe('alert-updated');
    expect(first.incident.status).toBe('open');
    const second = applyAlert(first.incident, alert('b', 'resolved'), later(3));
    expect(second.effect).toBe('resolved');
    expect(second.incident).toMatchObject({ status: 'resolved', resolvedAt: later(3).toISOString() });
  });

  it.each([
    ['just resolved', 1000, true],
    ['at the edge of the window', REOPEN_WINDOW_MS, true],
    ['after the window', REOPEN_WINDOW_MS + 1, false],
  ])('a re-fire %s may reopen: %s', (_label, gap, expected) => {
    let inc = newIncident('INC-1', alert('a', 'firing'), t0);
    inc = applyAlert(inc, alert('a', 'resolved'), later(10)).incident;
    expect(canReopen(inc, later(10 + gap))).toBe(expected);
  });

  it('ignores a firing redelivered after its own resolution (same episode)', () => {
    let inc = newIncident('INC-1', alert('a', 'firing'), t0);
    inc = applyAlert(inc, alert('a', 'resolved'), later(10)).incident;
    expect(applyAlert(inc, alert('a', 'firing'), later(20))).toMatchObject({ effect: 'unchanged', incident: { status: 'resolved', round: 0 } });
  });

  it('ignores the resolution of an earlier episode arriving after a newer firing', () => {
    let inc = newIncident('INC-1', alert('a', 'firing'), t0);
    inc = applyAlert(inc, alert('a', 'resolved'), later(10)).incident;
    inc = applyAlert(inc, alert('a', 'firing', 'warning', later(20)), later(20)).incident;
    expect(applyAlert(inc, alert('a', 'resolved', 'warning', t0), later(30))).toMatchObject({ effect: 'unchanged', incident: { status: 'open' } });
  });

  it('reopens into a new round when a resolved incident fires again', () => {
    let inc = newIncident('INC-1', alert('a', 'firing'), t0);
    inc = applyAlert(inc, alert('a', 'resolved'), later(10)).incident;
    const reopened = applyAlert(inc, alert('a', 'firing', 'warning', later(20)), later(20));
    expect(reopened.effect).toBe('reopened');
    expect(reopened.incident).toMatchObject({ status: 'open', round: 1 });
    expect(reopened.incident.resolvedAt).toBeUndefined();
  });
});

describe('an incident that outgrows one store item', () => {
  const big = (i: number, status: Alert['status'] = 'firing'): Alert => ({
    ...alert(`f${i}`, status),
    labels: Object.fromEntries(Array.from({ length: 10 }, (_, k) => [`label${k}`, 'x'.repeat(1000)])),
    annotations: { description: 'y'.repeat(5000) },
  });

  it('keeps alerts in full, then compact, then only notes the overflow; it then waits for a person to resolve it', () => {
    let inc = newIncident('INC-1', big(0), t0);
    expect(inc.alerts.f0?.annotations.description?.length).toBeLessThanOrEqual(1024);
    for (let i = 1; i < 3000 && !inc.alertsOverflow; i++) inc = applyAlert(inc, big(i), later(i)).incident;
    const kept = Object.values(inc.alerts);
    expect(kept.some((a) => a.compact)).toBe(true);
    expect(kept.filter((a) => !a.compact).every((a) => Object.keys(a.labels).length === 10)).toBe(true);
    expect(inc.alertsOverflow).toBe(true);
    expect(JSON.stringify(inc).length).toBeLessThan(350_000);
    for (const a of kept) inc = applyAlert(inc, { ...big(Number(a.fingerprint.slice(1)), 'resolved') }, later(5000)).incident;
    expect(inc.status).toBe('open');
  });
});
