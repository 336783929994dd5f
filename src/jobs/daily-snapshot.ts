import { takeSnapshot } from '../services/snapshot.js';
import type { Job } from './job.js';

/** Daily at 00:05 UTC: incidents, switches, buckets and cooldowns to DATA_DIR/snapshots/. */
export const dailySnapshotJob: Job = {
  id: 'daily-snapshot',
  schedule: '5 0 * * *',
  timeoutMs: 10 * 60_000,
  async run(deps) {
    return `snapshot written to ${await takeSnapshot(deps, deps.snapshots)}`;
  },
};
