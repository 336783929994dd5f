import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cp, mkdtemp, readFile, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exitOf, signalGroup, spawnInGroup } from '../fakes/process-group.js';

/** What a clone holds that `npm start` reads: what the Dockerfile's build stage copies. */
const CLONED = ['package.json', 'package-lock.json', 'tsconfig.json', 'tsconfig.build.json', 'types', 'src', 'runbooks'];

interface Started {
  child: ChildProcessWithoutNullStreams;
  url: string;
  output: () => string;
}

/**
 * `npm start` in `dir`, as a newcomer runs it, with no Slack, AWS or PagerDuty configured.
 * `compile: false` adds npm's `--ignore-scripts`, which skips only the prestart compile: what
 * runs is still the start script, for a clone that was already built by an earlier `npm start`.
 */
function npmStart(dir: string, env: Record<string, string>, { compile }: { compile: boolean }): { child: ChildProcessWithoutNullStreams; output: () => string } {
  const args = ['start', '--silent', ...(compile ? [] : ['--ignore-scripts'])];
  const child = spawnInGroup('npm', args, { cwd: dir, env: { ...process.env, PORT: '0', HOST: '127.0.0.1', ...env } });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  return { child, output: () => out };
}

/** Resolves once the bot says it listens; rejects if it exits first. The test's timeout bounds the wait. */
function listening({ child, output }: ReturnType<typeof npmStart>): Promise<Started> {
  return new Promise((resolve, reject) => {
    const check = () => {
      const line = output().split('\n').find((l) => l.includes('chatops bot listening'));
      if (!line) return;
      child.stdout.off('data', check);
      resolve({ child, url: (JSON.parse(line) as { url: string }).url, output });
    };
    child.stdout.on('data', check);
    void exitOf(child).then(({ code }) => reject(new Error(`exited ${code} before listening:\n${output()}`)));
  });
}

/** SIGTERM to npm alone, as a process manager sends it; npm passes it on and ends by the signal itself. */
async function stop(child: ChildProcessWithoutNullStreams): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  const ended = exitOf(child);
  child.kill('SIGTERM');
  const result = await ended;
  signalGroup(child.pid, 'SIGKILL'); // whatever npm left behind
  return result;
}

describe('npm start on the embedded defaults, in a fresh clone', () => {
  let clone: string;
  let dataDir: string;
  /** The first start compiles (prestart); later ones reuse its dist/ rather than compile again. */
  const built = () => existsSync(path.join(clone, 'dist', 'main.js'));

  beforeAll(async () => {
    clone = await mkdtemp(path.join(tmpdir(), 'chatops-clone-'));
    for (const entry of CLONED) await cp(entry, path.join(clone, entry), { recursive: true });
    // `npm ci` would fetch the same packages again; the clone uses this checkout's.
    await symlink(path.resolve('node_modules'), path.join(clone, 'node_modules'), 'dir');
    dataDir = await mkdtemp(path.join(tmpdir(), 'npm-start-'));
  });
  afterAll(async () => {
    await rm(dataDir, { recursive: true, force: true });
    await rm(clone, { recursive: true, force: true });
  });

  // The one start that compiles src/ first: about 10 s of CPU, far more on a busy 2-core machine.
  it('compiles, comes up without Slack or AWS, says in one line what is not configured, takes an alert, and keeps it across a restart', { timeout: 120_000 }, async () => {
    expect(built(), 'a fresh clone has no dist/').toBe(false);
    const first = await listening(npmStart(clone, { DATA_DIR: dataDir }, { compile: true }));
    expect(built()).toBe(true);
    const notices = () => first.output().split('\n').filter((l) => l.includes('not configured'));
    await expect.poll(() => notices().length).toBe(1);
    const notice = notices();
    expect(notice[0]).toContain('Slack off');
    expect(notice[0]).toContain('DRY_RUN=true');

    const body = await readFile('test/fixtures/alertmanager/ecs-firing.json', 'utf8');
    const posted = await fetch(`${first.url}/alerts/alertmanager`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    expect(posted.status).toBe(200);
    const list = async (url: string) => (await (await fetch(`${url}/api/incidents`)).json()) as { incidents: { id: string; proposals: { plan: { runbookId: string } }[] }[] };
    await expect.poll(async () => (await list(first.url)).incidents[0]?.proposals[0]?.plan.runbookId, { timeout: 10_000 }).toBe('ecs-force-new-deployment');
    const ended = await stop(first.child);
    expect(ended.code === 0 || ended.signal === 'SIGTERM').toBe(true);
    await expect.poll(() => first.output()).toContain('shutting down: finishing in-flight work');
    // The second start below opens the same LevelDB folder: it can only if the first one let go.

    const second = await listening(npmStart(clone, { DATA_DIR: dataDir }, { compile: false }));
    try {
      const { incidents } = await list(second.url);
      expect(incidents.map((i) => i.id)).toEqual(['INC-1']);
      expect(incidents[0]?.proposals.map((p) => p.plan.runbookId)).toEqual(['ecs-force-new-deployment']);
    } finally {
      await stop(second.child);
    }
  });

  it('refuses to start on a bad value, naming the variable, with exit code 78', { timeout: 120_000 }, async () => {
    const started = npmStart(clone, { DATA_DIR: dataDir, DRY_RUN: 'perhaps' }, { compile: !built() });
    const { code } = await exitOf(started.child);
    expect(code).toBe(78);
    await expect.poll(() => started.output()).toContain('DRY_RUN: expected true or false');
  });
});
