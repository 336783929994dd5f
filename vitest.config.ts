import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 20_000,
    hookTimeout: 30_000,
    pool: 'forks',
    // 2-core machines: keep parallelism modest so integration tests with real peers are not starved.
    poolOptions: { forks: { maxForks: 2, minForks: 1 } },
  },
});
