import { execFile } from 'node:child_process';
import { readdir } from 'node:fs/promises';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { systemPeer } from '../fakes/system-peers.js';

const run = promisify(execFile);
const promtool = systemPeer('promtool');
const PROMTOOL = promtool.binary;
const DIR = 'manifests/prometheus';

describe.skipIf(promtool.skip)('the shipped Prometheus rules (Debian prometheus: promtool)', () => {
  it('pass promtool check rules', async () => {
    const files = (await readdir(DIR)).filter((f) => f.endsWith('.yaml')).map((f) => `${DIR}/${f}`);
    expect(files.length).toBeGreaterThan(0);
    const { stdout } = await run(PROMTOOL, ['check', 'rules', ...files]);
    expect(stdout).toContain('SUCCESS');
  });

  it('pass their unit tests (promtool test rules)', async () => {
    const tests = (await readdir(`${DIR}/tests`)).filter((f) => f.endsWith('.yaml')).map((f) => `${DIR}/tests/${f}`);
    expect(tests.length).toBeGreaterThan(0);
    // promtool exits non-zero on a failed test; its output says which.
    const result = await run(PROMTOOL, ['test', 'rules', ...tests]).catch((err: { stdout?: string; stderr?: string }) => ({ stdout: `${err.stdout ?? ''}${err.stderr ?? ''}`, failed: true }));
    expect(result.stdout).not.toContain('FAILED');
    expect('failed' in result).toBe(false);
  });
});
