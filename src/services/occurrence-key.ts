import type { ServiceDeps } from './deps.js';

let sequence = 0;

/**
 * A step key for an occurrence rather than a step: each refused click, each failed page is its own
 * record, even two in the same millisecond (the time alone made them collapse into one) or on two
 * replicas at once.
 */
export function occurrenceKey(deps: Pick<ServiceDeps, 'clock' | 'replicaId'>): string {
  sequence = (sequence + 1) % 1_000_000_000;
  return `${deps.clock.now().toISOString()}:${deps.replicaId.slice(0, 8)}:${sequence}`;
}
