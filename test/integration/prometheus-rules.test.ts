import { readdir } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { runInGroup } from '../fakes/process-group.js';
import { systemPeer } from '../fakes/system-peers.js';

const promtool = systemPeer('promtool');
const PROMTOOL = promtool.binary;
const DIR = 'manifests/prometheus';

describe.skipIf(promtool.skip)('the shipped Prometheus rules (Debian prometheus: promtool)', () => {
  it('pass promtool check rules', async () => {
    const files = (await readdir(DIR)).filter((f) => f.endsWith('.yaml')).map((f) => `${DIR}/${f}`);
    expect(files.length).toBeGreaterThan(0);
    const { code, stdout, stderr } = await runInGroup(PROMTOOL, ['check', 'rules', ...files]);
    expect(code, stderr).toBe(0);
    expect(stdout).toContain('SUCCESS');
  });

  it('pass their unit tests (promtool test rules)', async () => {
    const tests = (await readdir(`${DIR}/tests`)).filter((f) => f.endsWith('.yaml')).map((f) => `${DIR}/tests/${f}`);
    expect(tests.length).toBeGreaterThan(0);
    // promtool exits non-zero on a failed test; its output says which.
    const { code, stdout, stderr } = await runInGroup(PROMTOOL, ['test', 'rules', ...tests]);
    expect(`${stdout}${stderr}`).not.toContain('FAILED');
    expect(code, `${stdout}${stderr}`).toBe(0);
  });
});
