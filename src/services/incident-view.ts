import type { Incident } from '../core/incident.js';
import type { ServiceDeps } from './deps.js';
import type { IncidentView } from './incident-channel.js';
import { ConflictError } from './ports.js';

export async function loadView(deps: ServiceDeps, incidentId: string): Promise<IncidentView | undefined> {
  const incident = await deps.incidents.get(incidentId);
  if (!incident) return undefined;
  return { incident, proposals: await deps.proposals.listByIncident(incidentId) };
}

/**
 * Re-reads and re-applies `change` until the version-conditional write wins. `change` returns
 * undefined when there is nothing (left) to do.
 */
export async function updateIncident(
  deps: ServiceDeps,
  incidentId: string,
  change: (incident: Incident) => Incident | undefined,
): Promise<Incident | undefined> {
  for (let attempt = 0; attempt < 8; attempt++) {
    const current = await deps.incidents.get(incidentId);
    if (!current) return undefined;
    const next = change(current);
    if (!next) return current;
    try {
      return await deps.incidents.update(next);
    } catch (err) {
      if (!(err instanceof ConflictError)) throw err;
    }
  }
  throw new ConflictError(`incident ${incidentId} kept changing; gave up after 8 attempts`);
}

/** Posts the root message once and remembers its ts, so every later step threads under it. */
export async function ensureRootMessage(deps: ServiceDeps, incident: Incident): Promise<Incident> {
  if (!deps.channel.enabled || incident.slackTs || !incident.channel) return incident;
  const channel = incident.channel;
  const ts = await deps.channel.postRoot(channel, { incident, proposals: await deps.proposals.listByIncident(incident.id) });
  return (await updateIncident(deps, incident.id, (current) => (current.slackTs ? undefined : { ...current, slackTs: ts }))) ?? incident;
}

/** Brings the root message up to date (the Slack outbox coalesces rapid updates). */
export async function refreshRoot(deps: ServiceDeps, incidentId: string): Promise<void> {
  if (!deps.channel.enabled) return;
  const view = await loadView(deps, incidentId);
  if (view?.incident.slackTs) await deps.channel.updateRoot(view);
}
