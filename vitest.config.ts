import { defineConfig } from 'vitest/config';
import { SlowFirstSequencer } from './test/slow-first-sequencer.js';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Says once per run which Debian packages are missing, so which tests skip.
    globalSetup: ['test/global-setup.ts'],
    setupFiles: ['test/setup-file.ts'],
    sequence: { sequencer: SlowFirstSequencer },
    // The AWS SDK versions are pinned (Node 20 support); its notice about future releases is noise here.
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    // Waits, not assertions: how long expect.poll keeps looking before it fails (vitest's default
    // of 1 s is less than a busy 2-core machine can take to finish background work).
    expect: { poll: { timeout: 10_000 } },
    testTimeout: 20_000,
    hookTimeout: 30_000,
    pool: 'forks',
    // 2-core machines: keep parallelism modest so integration tests with real peers are not starved.
    // Files run one after another in the same two processes instead of a fresh process each: the
    // bot's modules (the AWS SDK, Bolt, dynalite) load twice per run instead of once per file,
    // which halved the suite's CPU time. So a file must leave nothing running: it closes the bots
    // and servers it starts, child processes are swept when it ends (test/setup-file.ts), and
    // nock stands down after the tests that use it (test/fakes/use-nock.ts).
    isolate: false,
    poolOptions: { forks: { maxForks: 2, minForks: 1 } },
  },
});
