import type { Incident } from '../core/incident.js';
import type { ServiceDeps } from './deps.js';
import { ConflictError } from './ports.js';

/**
 * Re-reads and re-applies `change` until the version-conditional write wins. `change` returns
 * undefined when there is nothing (left) to do; the incident is then returned as it stands.
 */
export async function updateIncident(
  deps: Pick<ServiceDeps, 'incidents'>,
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
