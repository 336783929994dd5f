import { createHash } from 'node:crypto';
import type { Catalogue } from '../config/load-catalogue.js';
import { catalogueDigest, diffCatalogues } from '../core/runbooks/catalogue-diff.js';
import type { ServiceDeps } from './deps.js';
import { CONTROLS_AUDIT } from './kill-switch.js';

/** What prompted a reload: a file event, the poll that backs it up, SIGHUP, or a caller (tests). */
export type ReloadTrigger = 'watch' | 'poll' | 'sighup' | 'manual';

/** A catalogue read from disk, or every problem that makes it unusable. */
export type LoadedCatalogue = { ok: true; catalogue: Catalogue } | { ok: false; problems: string[] };

export type ReloadOutcome = { kind: 'unchanged' } | { kind: 'loaded'; digest: string } | { kind: 'rejected'; problems: string[] };

/** At most this many problems are recorded (the log has them all); each is cut to PROBLEM_CHARS. */
const MAX_PROBLEMS = 50;
const PROBLEM_CHARS = 500;
/** Replicas that pick up the same change within this window write one record between them. */
const SAME_CHANGE_WINDOW_MS = 10 * 60_000;

/**
 * Puts `next` in force: the one Catalogue object every holder shares (services, jobs, Slack, the
 * HTTP app) is updated in place, its three fields in one synchronous step, so no reader ever sees
 * runbooks of one catalogue with the policy of another and nobody keeps a stale copy.
 */
export function replaceCatalogue(target: Catalogue, next: Catalogue): void {
  target.runbooks = next.runbooks;
  target.byId = next.byId;
  target.policy = next.policy;
}

/**
 * Creates the reloader of a running bot. A valid catalogue that differs from the one in force
 * replaces it and is audited as `catalogue.loaded` (CONTROLS, announced in the channel) with the
 * runbooks added, removed and changed; an invalid one is refused whole as `catalogue.rejected`
 * with every problem, and the catalogue in force keeps working. Proposals already made keep their
 * plan: the re-render before a run (plan-check) asks for approval again if their runbook changed.
 */
export function createCatalogueReloader(deps: Pick<ServiceDeps, 'catalogue' | 'audit' | 'clock' | 'log' | 'replicaId'>, load: () => Promise<LoadedCatalogue>) {
  let lastRejected: string | undefined;

  async function reload(trigger: ReloadTrigger): Promise<ReloadOutcome> {
    const loaded = await load();
    const window = Math.floor(deps.clock.now().getTime() / SAME_CHANGE_WINDOW_MS);
    if (!loaded.ok) {
      const problems = loaded.problems.slice(0, MAX_PROBLEMS).map((p) => (p.length > PROBLEM_CHARS ? `${p.slice(0, PROBLEM_CHARS)}…` : p));
      const key = createHash('sha256').update(loaded.problems.join('\n')).digest('hex').slice(0, 16);
      deps.log.error({ trigger, problems: loaded.problems }, 'the changed runbook catalogue is invalid; the catalogue in force stays');
      // The same broken files seen again (the poll, another save) are not announced again.
      if (key === lastRejected && trigger !== 'sighup') return { kind: 'rejected', problems };
      lastRejected = key;
      await deps.audit.record({
        incidentId: CONTROLS_AUDIT,
        kind: 'catalogue.rejected',
        stepKey: `catalogue-rejected:${catalogueDigest(deps.catalogue)}:${key}:${window}${trigger === 'sighup' ? `:${deps.clock.now().toISOString()}` : ''}`,
        trigger,
        outcome: 'FAILURE',
        operator: 'automated',
        details: { problems, problemCount: loaded.problems.length, inForce: catalogueDigest(deps.catalogue), runbooks: deps.catalogue.runbooks.length },
      });
      return { kind: 'rejected', problems };
    }
    lastRejected = undefined;
    const previous = catalogueDigest(deps.catalogue);
    const digest = catalogueDigest(loaded.catalogue);
    if (digest === previous) return { kind: 'unchanged' };
    const diff = diffCatalogues(deps.catalogue, loaded.catalogue);
    replaceCatalogue(deps.catalogue, loaded.catalogue);
    deps.log.info({ trigger, digest, ...diff }, 'runbook catalogue reloaded');
    await deps.audit.record({
      incidentId: CONTROLS_AUDIT,
      kind: 'catalogue.loaded',
      stepKey: `catalogue-loaded:${previous}:${digest}:${window}`,
      trigger,
      outcome: 'SUCCESS',
      operator: 'automated',
      details: { digest, previousDigest: previous, runbooks: loaded.catalogue.runbooks.length, ...diff },
    });
    return { kind: 'loaded', digest };
  }

  let chain: Promise<unknown> = Promise.resolve();
  return {
    /** Reads the catalogue and applies it; reloads run one after another, each reading the files afresh. */
    reload(trigger: ReloadTrigger): Promise<ReloadOutcome> {
      const next = chain.then(() => reload(trigger));
      chain = next.catch(() => undefined);
      return next;
    },
  };
}
