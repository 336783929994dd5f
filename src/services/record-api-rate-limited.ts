import type { ServiceDeps } from './deps.js';
import { CONTROLS_AUDIT } from './kill-switch.js';
import { occurrenceKey } from './occurrence-key.js';

/**
 * One `api.rate_limited` record per burst of refused operator API calls (the limiter decides what
 * a burst is). Written in the background: the 429 must not wait for, or fail with, the store.
 */
export function recordApiRateLimited(deps: Pick<ServiceDeps, 'audit' | 'clock' | 'replicaId' | 'log'>, client: string, path: string, perMinute: number): void {
  deps.log.warn({ client, path, perMinute }, 'operator API rate limit reached');
  void deps.audit
    .record({
      incidentId: CONTROLS_AUDIT,
      kind: 'api.rate_limited',
      stepKey: `api-rate-limited:${client}:${occurrenceKey(deps)}`,
      trigger: 'api',
      outcome: 'FAILURE',
      operator: client,
      action: 'api request',
      details: { path, perMinute, replica: deps.replicaId },
    })
    .catch((err: unknown) => deps.log.error({ err, client }, 'could not audit an API rate-limit burst'));
}
