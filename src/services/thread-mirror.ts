import type { ServiceDeps } from './deps.js';

/** Audit kinds shown as a line in the incident thread. Alerts and the opening show on the root message. */
const HIDDEN_KINDS = new Set(['alert.received', 'incident.opened', 'proposal.created']);

/** Key of the per-incident chain that posts to the thread, so thread lines keep the audit's order. */
export function threadKey(incidentId: string): string {
  return `thread:${incidentId}`;
}

/** Mirrors every new audit record of an incident to its thread ("logs every step to the thread"). */
export function mirrorAuditToThread(deps: ServiceDeps): () => void {
  return deps.audit.subscribe((record) => {
    if (!deps.channel.enabled || HIDDEN_KINDS.has(record.kind)) return;
    void deps.threadTasks.run(threadKey(record.incidentId), async () => {
      // A thread line needs only where the thread is, not the incident's proposals.
      const incident = await deps.incidents.get(record.incidentId);
      if (!incident?.slackTs) return;
      await deps.channel.postStep({ incident, proposals: [] }, record);
    });
  });
}

/** Runs `post` in the incident's thread chain and returns what it returned. */
export async function inThread<T>(deps: ServiceDeps, incidentId: string, post: () => Promise<T>): Promise<T | undefined> {
  let result: T | undefined;
  await deps.threadTasks.run(threadKey(incidentId), async () => {
    result = await post();
  });
  return result;
}
