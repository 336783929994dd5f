import type { Logger } from 'pino';
import { startCatalogueWatcher } from '../adapters/catalogue/catalogue-watcher.js';
import type { Catalogue } from '../config/load-catalogue.js';
import { CatalogueError, loadCatalogue } from '../config/load-catalogue.js';
import type { Config } from '../config/schema.js';
import { createCatalogueReloader } from '../services/catalogue-reload.js';
import type { LoadedCatalogue, ReloadOutcome, ReloadTrigger } from '../services/catalogue-reload.js';
import type { ServiceDeps } from '../services/deps.js';

export interface CatalogueReload {
  reload(trigger: ReloadTrigger): Promise<ReloadOutcome>;
  close(): void;
}

/**
 * Live catalogue changes: RUNBOOKS_DIR and POLICY_FILE watched (and polled), each change read with
 * the same checks as start-up (`validate` adds the ones that need the configuration) and put in
 * force or refused whole by the reloader.
 */
export function startCatalogueReload(options: {
  config: Pick<Config, 'RUNBOOKS_DIR' | 'POLICY_FILE'>;
  deps: ServiceDeps;
  log: Logger;
  validate: (c: Catalogue) => string | undefined;
  watch?: false | { pollMs?: number };
}): CatalogueReload {
  const { config, log } = options;
  const reloader = createCatalogueReloader(options.deps, async (): Promise<LoadedCatalogue> => {
    try {
      const next = await loadCatalogue(config.RUNBOOKS_DIR, config.POLICY_FILE);
      const problem = options.validate(next);
      return problem ? { ok: false, problems: [`${config.POLICY_FILE}: ${problem}`] } : { ok: true, catalogue: next };
    } catch (err) {
      return { ok: false, problems: err instanceof CatalogueError ? err.problems : [(err as Error).message] };
    }
  });
  const watcher =
    options.watch === false
      ? undefined
      : startCatalogueWatcher({
          runbooksDir: config.RUNBOOKS_DIR,
          policyFile: config.POLICY_FILE,
          onChange: (trigger) => reloader.reload(trigger),
          log: log.child({ component: 'catalogue' }),
          ...(options.watch?.pollMs !== undefined ? { pollMs: options.watch.pollMs } : {}),
        });
  return { reload: (trigger) => reloader.reload(trigger), close: () => watcher?.close() };
}
