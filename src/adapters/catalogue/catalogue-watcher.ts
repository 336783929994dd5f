import { watch } from 'node:fs';
import type { FSWatcher } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from 'pino';

export interface CatalogueWatcherOptions {
  runbooksDir: string;
  policyFile: string;
  /** Called after a change settles: `watch` for a file event, `poll` for what the poll found. */
  onChange(trigger: 'watch' | 'poll'): Promise<unknown>;
  log: Logger;
  /** The poll that backs up file events (network file systems, some container mounts miss them). */
  pollMs?: number;
  /** Events within this long are one change (an editor writes, renames and chmods in a burst). */
  settleMs?: number;
}

/**
 * Watches RUNBOOKS_DIR and the folder of POLICY_FILE for changes, and polls both every `pollMs`
 * (name, size and modification time of each YAML file and of the policy), so a change is seen
 * within seconds either way. Folders are watched rather than files: editors and Kubernetes
 * ConfigMaps replace a file by renaming a new one over it, which ends a watch on the file itself.
 */
export function startCatalogueWatcher(options: CatalogueWatcherOptions): { close(): void } {
  const { log } = options;
  const pollMs = options.pollMs ?? 5000;
  const settleMs = options.settleMs ?? 300;
  const policyDir = path.dirname(path.resolve(options.policyFile));
  const dirs = [...new Set([path.resolve(options.runbooksDir), policyDir])];
  let closed = false;
  let settle: NodeJS.Timeout | undefined;
  let lastSeen: string | undefined;

  async function fingerprint(): Promise<string> {
    const parts: string[] = [];
    const files = (await readdir(options.runbooksDir).catch(() => [] as string[])).filter((f) => /\.ya?ml$/.test(f)).sort();
    for (const file of [...files.map((f) => path.join(options.runbooksDir, f)), options.policyFile]) {
      const s = await stat(file).catch(() => undefined);
      parts.push(`${file}:${s ? `${s.size}:${s.mtimeMs}` : 'missing'}`);
    }
    return parts.join('\n');
  }

  async function changed(trigger: 'watch' | 'poll'): Promise<void> {
    if (closed) return;
    lastSeen = await fingerprint();
    await options.onChange(trigger).catch((err: unknown) => log.error({ err }, 'catalogue reload failed'));
  }

  const watchers: FSWatcher[] = [];
  for (const dir of dirs) {
    try {
      const w = watch(dir, { persistent: false }, (_event, name) => {
        if (name && !/\.ya?ml$|^\.\.data$/.test(String(name))) return;
        clearTimeout(settle);
        settle = setTimeout(() => void changed('watch'), settleMs);
      });
      w.on('error', (err) => log.warn({ err, dir }, 'cannot watch the runbook folder; changes are found by polling'));
      watchers.push(w);
    } catch (err) {
      log.warn({ err, dir }, 'cannot watch the runbook folder; changes are found by polling');
    }
  }

  void fingerprint().then((f) => (lastSeen ??= f));
  const poll = setInterval(() => {
    void fingerprint().then((f) => {
      if (lastSeen !== undefined && f !== lastSeen) return changed('poll');
      lastSeen ??= f;
      return undefined;
    });
  }, pollMs);
  poll.unref();

  return {
    close() {
      closed = true;
      clearInterval(poll);
      clearTimeout(settle);
      for (const w of watchers) w.close();
    },
  };
}
