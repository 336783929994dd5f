import type { ServiceDeps } from './deps.js';

/** Where daily snapshots go: a folder (DATA_DIR/snapshots) by default. */
export interface SnapshotSink {
  write(name: string, body: string): Promise<string>;
}

/**
 * The daily snapshot: unresolved and recent incidents with their proposals, engaged kill switches,
 * rate-limit buckets and active cooldowns, as one JSON document.
 */
export async function takeSnapshot(deps: ServiceDeps, sink: SnapshotSink): Promise<string> {
  const now = deps.clock.now();
  const since = now.getTime() - 86_400_000;
  const incidents = (await deps.incidents.list({ limit: 5000 })).filter((i) => i.status !== 'resolved' || Date.parse(i.updatedAt) >= since);
  const proposals = Object.fromEntries(await Promise.all(incidents.map(async (i) => [i.id, await deps.proposals.listByIncident(i.id)] as const)));
  const { policy } = deps.catalogue;
  const bucketNames = [...Object.keys(policy.authorities).map((a) => `authority:${a}`), ...Object.keys(policy.action_types).map((t) => `action:${t}`)];
  const buckets = Object.fromEntries(await Promise.all(bucketNames.map(async (b) => [b, (await deps.rateLimits.peek(b)) ?? null] as const)));
  const snapshot = {
    takenAt: now.toISOString(),
    incidents: incidents.map((i) => ({ ...i, proposals: proposals[i.id] ?? [] })),
    killSwitches: await deps.killSwitches.listEngaged(),
    buckets,
    cooldowns: await deps.cooldowns.listActive(),
  };
  return sink.write(`snapshot-${now.toISOString().slice(0, 10)}.json`, `${JSON.stringify(snapshot, null, 2)}\n`);
}
