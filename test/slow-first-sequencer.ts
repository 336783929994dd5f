import { relative } from 'node:path';
import { BaseSequencer } from 'vitest/node';
import type { TestSpecification } from 'vitest/node';

/** e2e files start bots and processes, integration files stores; unit files take milliseconds. */
const WEIGHT: [prefix: string, weight: number][] = [
  ['test/e2e/', 3],
  ['test/integration/', 2],
];

/**
 * The order files start in, on two workers: longest first, so that no long file starts last while
 * the other worker has nothing left to do. Vitest knows each file's last duration from its cache,
 * but a fresh clone has none, and vitest's fallback (largest file first) put start-command.test.ts,
 * small but among the longest, near the end. Here files without a cached duration go first (as in
 * vitest), e2e before integration before unit, each by size; then the others, longest first.
 */
export class SlowFirstSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const root = this.ctx.config.root;
    const key = (f: TestSpecification) => `${f.project.name}:${relative(root, f.moduleId)}`;
    const duration = (f: TestSpecification) => this.ctx.cache.getFileTestResults(key(f))?.duration;
    const weight = (f: TestSpecification) => WEIGHT.find(([prefix]) => relative(root, f.moduleId).startsWith(prefix))?.[1] ?? 1;
    const size = (f: TestSpecification) => this.ctx.cache.getFileStats(key(f))?.size ?? 0;
    return [...files].sort((a, b) => {
      const da = duration(a);
      const db = duration(b);
      if (da === undefined && db === undefined) return weight(b) - weight(a) || size(b) - size(a);
      if (da === undefined || db === undefined) return da === undefined ? -1 : 1;
      return db - da;
    });
  }
}
