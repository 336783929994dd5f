import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Incident } from '../../src/core/incident.js';
import { startSharedStore } from './shared-store.js';
import type { SharedStore } from './shared-store.js';
import { testClock } from '../fakes/test-clock.js';
import { startHarness } from './harness.js';
import type { Harness } from './harness.js';
import { alertmanagerEpisodes } from './alertmanager-episodes.js';
import type { AmPayload } from './alertmanager-episodes.js';


const at = alertmanagerEpisodes();

describe('a replica that remembers an old incident for a group', () => {
  let store: SharedStore;
  let a: Harness;
  let b: Harness;
  const clock = testClock();

  beforeAll(async () => {
    store = await startSharedStore();
    const env = { ...store.env, DRY_RUN: 'true' };
    a = await startHarness(env, { clock, scheduler: false });
    b = await startHarness(env, { clock, scheduler: false });
  });
  afterAll(async () => {
    await a.close();
    await b.close();
    await store.close();
  });

  it('sends a later alert of the group to the incident another replica opened since', async () => {
    const ecs = JSON.parse(await readFile('test/fixtures/alertmanager/ecs-firing.json', 'utf8')) as AmPayload;
    // Replica a sees the group first and remembers INC-1 for it.
    expect((await a.postAlert('/alerts/alertmanager', at(ecs, 'firing', clock.now()))).status).toBe(200);
    clock.advance(60_000);
    // Replica b resolves INC-1 and, 11 minutes later, opens INC-2 for the same group.
    await b.postAlert('/alerts/alertmanager', at(ecs, 'resolved', clock.now()));
    clock.advance(11 * 60_000);
    await b.postAlert('/alerts/alertmanager', at(ecs, 'firing', clock.now()));
    await Promise.all([a.settle(), b.settle()]);
    // Replica a now gets the resolution: it must land on INC-2, the group's live incident.
    clock.advance(60_000);
    expect(await (await a.postAlert('/alerts/alertmanager', at(ecs, 'resolved', clock.now()))).json()).toMatchObject({ incidents: ['INC-2'] });
    await Promise.all([a.settle(), b.settle()]);
    const { incidents } = await a.api<{ incidents: Incident[] }>('/api/incidents');
    expect(incidents.map((i) => [i.id, i.status, i.round]).sort()).toEqual([
      ['INC-1', 'resolved', 0],
      ['INC-2', 'resolved', 0],
    ]);
  });
});
