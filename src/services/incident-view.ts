import type { Incident } from '../core/incident.js';
import type { ServiceDeps } from './deps.js';
import type { IncidentView } from './incident-channel.js';
import { updateIncident } from './update-incident.js';

export async function loadView(deps: ServiceDeps, incidentId: string): Promise<IncidentView | undefined> {
  const incident = await deps.incidents.get(incidentId);
  if (!incident) return undefined;
  return { incident, proposals: await deps.proposals.listByIncident(incidentId) };
}

/** A claim older than this is taken over: its replica stopped before posting. */
const ROOT_CLAIM_TTL_MS = 60_000;

/**
 * Posts the root message once and remembers its ts, so every later step threads under it. Two
 * replicas handling the same first alert race on a version-conditional claim; the loser waits
 * for the winner's ts instead of posting a second root message.
 */
export async function ensureRootMessage(deps: ServiceDeps, incident: Incident): Promise<Incident> {
  if (!deps.channel.enabled || incident.slackTs || !incident.channel) return incident;
  const channel = incident.channel;
  const now = deps.clock.now();
  const claimed = await updateIncident(deps, incident.id, (current) => {
    if (current.slackTs) return undefined;
    const held = current.slackClaim;
    if (held && held.by !== deps.replicaId && now.getTime() - Date.parse(held.at) < ROOT_CLAIM_TTL_MS) return undefined;
    return { ...current, slackClaim: { by: deps.replicaId, at: now.toISOString() } };
  });
  if (!claimed || claimed.slackTs) return claimed ?? incident;
  if (claimed.slackClaim?.by !== deps.replicaId) return waitForRoot(deps, incident);
  let ts: string;
  try {
    ts = await deps.channel.postRoot(channel, { incident: claimed, proposals: await deps.proposals.listByIncident(incident.id) });
  } catch (err) {
    // Slack being down or refusing the channel must not stop proposals, paging or execution: the
    // incident carries on without a thread, and the next pass tries to post the root again.
    deps.log.error({ err, incidentId: incident.id, channel }, 'could not post the incident root message; continuing without a thread');
    return claimed;
  }
  return (await updateIncident(deps, incident.id, (current) => (current.slackTs ? undefined : { ...current, slackTs: ts }))) ?? claimed;
}

async function waitForRoot(deps: ServiceDeps, incident: Incident): Promise<Incident> {
  for (let i = 0; i < 100; i++) {
    const current = await deps.incidents.get(incident.id);
    if (!current || current.slackTs) return current ?? incident;
    await new Promise((r) => setTimeout(r, 100));
  }
  deps.log.warn({ incidentId: incident.id }, 'another replica claimed the root message but has not posted it yet');
  return incident;
}

/** Brings the root message up to date (the Slack outbox coalesces rapid updates). */
export async function refreshRoot(deps: ServiceDeps, incidentId: string): Promise<void> {
  if (!deps.channel.enabled) return;
  const view = await loadView(deps, incidentId);
  if (!view?.incident.slackTs) return;
  // Presentation only: a failed update (message deleted, Slack down) must not stop the caller's
  // state change from completing. The next change updates the message again.
  await deps.channel.updateRoot(view).catch((err: unknown) => deps.log.warn({ err, incidentId }, 'could not update the incident root message'));
}
