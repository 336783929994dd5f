import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { SECRETS, USERS, localBotEnv } from '../test/e2e/harness.js';
import { isWarning } from './bench-harness.js';
import { startFakeSlackApi } from '../test/fakes/fake-slack-api.js';
import { startFakeSsm } from '../test/fakes/fake-ssm.js';

const START_LIMIT_MS = 120_000;
const STOP_LIMIT_MS = 15_000;

export interface BotProcess {
  url: string;
  /** Bearer-authenticated POST of one alert payload. */
  postAlert(route: string, body: unknown): Promise<Response>;
  /** The bot's own Prometheus figures (`/metrics`), by series name; labelled series are left out. */
  metrics(): Promise<Record<string, number>>;
  /**
   * Linux only: the bot's resident memory split as the kernel counts it, in bytes: anonymous (the
   * JavaScript heap and native allocations) and file-backed (the node binary, mapped LevelDB tables).
   */
  residentSplit(): Promise<{ anon: number; file: number } | undefined>;
  /** Lines the bot logged at warn or above so far. */
  warnings(): number;
  /** SIGTERM, as a container runtime sends it; SIGKILL if the bot has not gone within 15 s. */
  stop(): Promise<void>;
}

/**
 * The bot as users run it: `npm start` (a build, then `node dist/main.js` with the heap flags in
 * package.json) in a process of its own, so that its RSS is the bot's alone; the fake Slack and SSM
 * it talks to and the load generator stay in this process. Embedded store in a temporary DATA_DIR,
 * DRY_RUN=true, Slack paced as Slack paces. NODE_OPTIONS is cleared, so npm start's default applies.
 */
export async function startBotProcess(): Promise<BotProcess> {
  const slack = await startFakeSlackApi();
  slack.setUsergroup('S01ABCDEF', [USERS.sre]);
  const ssm = await startFakeSsm();
  const dataDir = await mkdtemp(path.join(tmpdir(), 'chatops-bench-'));
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ...localBotEnv(dataDir, slack.url, ssm.endpoint),
    AWS_ACCESS_KEY_ID: 'bench',
    AWS_SECRET_ACCESS_KEY: 'bench',
    DRY_RUN: 'true',
    LOG_LEVEL: 'info',
    ...SECRETS,
  };
  delete env['NODE_OPTIONS'];
  const child = spawn('npm', ['start', '--silent'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let url: string | undefined;
  let warned = 0;
  let recent: string[] = [];
  let partial = '';
  const onLine = (line: string) => {
    recent = [...recent.slice(-19), line];
    // Before the listening line, npm and the build may print lines that are not JSON: not warnings.
    if (url !== undefined && isWarning(line)) warned += 1;
  };
  const listeners = new Set<(line: string) => void>([onLine]);
  child.stdout.on('data', (chunk: Buffer) => {
    const lines = (partial + chunk.toString('utf8')).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) for (const listener of listeners) listener(line);
  });
  child.stderr.on('data', (chunk: Buffer) => {
    recent = [...recent.slice(-19), chunk.toString('utf8').trimEnd()];
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));

  const cleanUp = async () => {
    await slack.close();
    await ssm.close();
    await rm(dataDir, { recursive: true, force: true });
  };

  try {
    url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`npm start: no "listening" line within ${START_LIMIT_MS / 1000} s:\n${recent.join('\n')}`)), START_LIMIT_MS);
      listeners.add((line) => {
        if (!line.includes('chatops bot listening')) return;
        clearTimeout(timer);
        resolve((JSON.parse(line) as { url: string }).url);
      });
      void exited.then(() => {
        clearTimeout(timer);
        reject(new Error(`npm start exited before listening:\n${recent.join('\n')}`));
      });
    });
  } catch (err) {
    child.kill('SIGKILL');
    await exited;
    await cleanUp();
    throw err;
  }

  return {
    url,
    postAlert: (route, body) =>
      fetch(`${url}${route}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${SECRETS.ALERT_WEBHOOK_TOKEN}` },
        body: JSON.stringify(body),
      }),
    async metrics() {
      const res = await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${SECRETS.OPERATOR_TOKEN}` } });
      if (!res.ok) throw new Error(`/metrics answered ${res.status}`);
      const figures: Record<string, number> = {};
      for (const line of (await res.text()).split('\n')) {
        const match = /^([a-z_]+) ([-0-9.e+]+)$/.exec(line);
        if (match) figures[match[1]!] = Number(match[2]);
      }
      return figures;
    },
    async residentSplit() {
      // npm runs the start script in a shell that execs node: the bot is npm's only child.
      try {
        const children = (await readFile(`/proc/${child.pid}/task/${child.pid}/children`, 'utf8')).trim().split(/\s+/);
        const status = await readFile(`/proc/${children[0]}/status`, 'utf8');
        const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1]) * 1024;
        if (!/^Name:\s+node$/m.test(status)) return undefined;
        return { anon: kb('RssAnon'), file: kb('RssFile') };
      } catch {
        return undefined;
      }
    },
    warnings: () => warned,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), STOP_LIMIT_MS);
        await exited;
        clearTimeout(timer);
      }
      await cleanUp();
    },
  };
}
