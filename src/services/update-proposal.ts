import type { Proposal } from '../core/proposal.js';
import type { ServiceDeps } from './deps.js';
import { ConflictError } from './ports.js';

/**
 * Re-reads and re-applies `change` until its version-conditional write wins (a stale `known`
 * costs one lost write, then a read). `changed` is true
 * only for the caller whose write made the transition: that is how a double click, a Slack retry
 * or a second replica is kept from running an action twice.
 */
export async function updateProposal(
  deps: Pick<ServiceDeps, 'proposals' | 'clock'>,
  id: string,
  change: (current: Proposal) => Proposal | undefined,
  /** The proposal as the caller just read it: the first attempt starts from it instead of reading again. */
  known?: Proposal,
): Promise<{ proposal: Proposal | undefined; changed: boolean }> {
  for (let attempt = 0; attempt < 8; attempt++) {
    const current = attempt === 0 && known ? known : await deps.proposals.get(id);
    if (!current) return { proposal: undefined, changed: false };
    const next = change(current);
    if (!next) return { proposal: current, changed: false };
    try {
      return { proposal: await deps.proposals.update({ ...next, updatedAt: deps.clock.now().toISOString() }), changed: true };
    } catch (err) {
      if (!(err instanceof ConflictError)) throw err;
    }
  }
  throw new ConflictError(`proposal ${id} kept changing; gave up after 8 attempts`);
}
