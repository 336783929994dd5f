import type { Cooldown, IncidentStore } from './ports.js';

const UNRESOLVED = ['open', 'acknowledged', 'mitigating'] as const;

/** Unresolved incidents per state, for the `chatops_incidents` gauge. */
export async function countUnresolvedIncidents(incidents: IncidentStore): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const state of UNRESOLVED) counts[state] = (await incidents.list({ status: [state], limit: 10_000 })).length;
  return counts;
}

/** Active cooldowns as (runbook, target, seconds left); the key is `<runbook>#<target>`. */
export function cooldownGauge(active: readonly Cooldown[], now: Date): { runbook: string; target: string; remainingSeconds: number }[] {
  return active.map((c) => {
    const hash = c.key.indexOf('#');
    return { runbook: c.key.slice(0, hash), target: c.key.slice(hash + 1), remainingSeconds: Math.max(0, Math.ceil((Date.parse(c.until) - now.getTime()) / 1000)) };
  });
}
