import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

interface Started {
  child: ChildProcess;
  url: string;
  output: () => string;
}

/** Runs `npm start` as a newcomer would, with no Slack, AWS or PagerDuty configured. */
function npmStart(env: Record<string, string>): Promise<Started> {
  const child = spawn('npm', ['start', '--silent'], { env: { ...process.env, PORT: '0', HOST: '127.0.0.1', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no start-up line within 30 s:\n${out}`)), 30_000);
    const check = () => {
      const line = out.split('\n').find((l) => l.includes('chatops bot listening'));
      if (line) {
        clearTimeout(timer);
        resolve({ child, url: (JSON.parse(line) as { url: string }).url, output: () => out });
      }
    };
    child.stdout?.on('data', check);
    child.on('exit', (code) => reject(new Error(`exited ${code} before listening:\n${out}`)));
  });
}

/** SIGTERM, as Kubernetes sends it; npm passes it on and ends by the signal itself. */
function stop(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  return new Promise((resolve) => {
    child.removeAllListeners('exit');
    child.once('exit', (code, signal) => resolve({ code, signal }));
    child.kill('SIGTERM');
  });
}

// Each `npm start` compiles the bot first (prestart): on a busy 2-core machine that alone takes
// 15 s or more, and the first test starts it twice.
describe('npm start on the embedded defaults', { timeout: 90_000 }, () => {
  let dataDir: string;
  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'npm-start-'));
  });
  afterAll(async () => rm(dataDir, { recursive: true, force: true }));

  it('comes up without Slack or AWS, says in one line what is not configured, takes an alert, and keeps it across a restart', async () => {
    const first = await npmStart({ DATA_DIR: dataDir });
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

    const second = await npmStart({ DATA_DIR: dataDir });
    try {
      const { incidents } = await list(second.url);
      expect(incidents.map((i) => i.id)).toEqual(['INC-1']);
      expect(incidents[0]?.proposals.map((p) => p.plan.runbookId)).toEqual(['ecs-force-new-deployment']);
    } finally {
      await stop(second.child);
    }
    // Two `npm start`s, each compiling src/ first (about 10 s apiece on a busy 2-CPU machine).
  }, 90_000);

  it('refuses to start on a bad value, naming the variable, with exit code 78', { timeout: 60_000 }, async () => {
    const child = spawn('npm', ['start', '--silent'], { env: { ...process.env, PORT: '0', DATA_DIR: dataDir, DRY_RUN: 'perhaps' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(code).toBe(78);
    expect(err).toContain('DRY_RUN: expected true or false');
  });
});
