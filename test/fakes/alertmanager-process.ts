import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { access, constants, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { freeLoopbackPort } from './loopback-port.js';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { exitOf, spawnInGroup, stopGroup } from './process-group.js';
import { locateSystemPeer } from './system-peers.js';

/**
 * Debian's real Alertmanager (`apt-get install prometheus-alertmanager`, 0.25 on bookworm) as a
 * child process, bound to loopback only, with one webhook receiver pointing at the bot. Not a
 * fake: it is here beside the fakes so integration tests and the benchmark can share it.
 */

export interface AlertmanagerOptions {
  /** Where the webhook receiver posts, e.g. `${bot.url}/alerts/alertmanager`. */
  webhookUrl: string;
  /** Sent as `Authorization: Bearer <token>` (the bot's ALERT_WEBHOOK_TOKEN); omitted when unset. */
  token?: string;
  /** Defaults to $ALERTMANAGER_BIN, then the Debian package's path (see system-peers.ts). */
  binary?: string;
  /** Alertmanager durations; short defaults so a test sees notifications within seconds. */
  groupWait?: string;
  groupInterval?: string;
  repeatInterval?: string;
  readyTimeoutMs?: number;
  /** Labels that make a group (Alertmanager's group_by); default: alertname. */
  groupBy?: string[];
  /**
   * Instead of the webhook: Alertmanager's own Slack receiver (slack_configs), posting to an
   * incoming-webhook URL (`apiUrl`) for `channel`: the baseline a ChatOps bot is compared with.
   */
  slack?: { apiUrl: string; channel: string };
}

/** A postable alert of Alertmanager's API v2 (`POST /api/v2/alerts`). */
export interface PostableAlert {
  labels: Record<string, string>;
  annotations?: Record<string, string>;
  startsAt?: string;
  endsAt?: string;
  generatorURL?: string;
}

export interface RunningAlertmanager {
  /** Base URL, `http://127.0.0.1:<port>`. */
  url: string;
  /** Alerts in, as Prometheus would send them; throws unless Alertmanager answers 2xx. */
  postAlerts(alerts: PostableAlert[]): Promise<void>;
  /** What Alertmanager logged so far (its logs go to stderr), for failure messages. */
  logs(): string;
  /** Stops the process (SIGTERM, then SIGKILL) and removes its config and storage. */
  close(): Promise<void>;
}

const MAX_LOG_CHARS = 64 * 1024;

export async function startAlertmanager(options: AlertmanagerOptions): Promise<RunningAlertmanager> {
  const binary = options.binary ?? locateSystemPeer('alertmanager').binary;
  try {
    await access(binary, constants.X_OK);
  } catch {
    throw new Error(`${binary} not found or not executable: install Debian's prometheus-alertmanager package, or set ALERTMANAGER_BIN`);
  }
  const dir = await mkdtemp(path.join(tmpdir(), 'chatops-alertmanager-'));
  const configFile = path.join(dir, 'alertmanager.yml');
  // JSON is YAML, and it spares us quoting the URL and token by hand. 0600: it holds the token.
  await writeFile(configFile, JSON.stringify(alertmanagerConfig(options), null, 2), { mode: 0o600 });

  // A free port can be taken between our probe and Alertmanager's bind; try a few before giving up.
  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freeLoopbackPort();
    const url = `http://127.0.0.1:${port}`;
    const started = launch(binary, [
      `--config.file=${configFile}`,
      `--storage.path=${path.join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      // Empty: no cluster gossip, so nothing listens beyond the loopback web port.
      '--cluster.listen-address=',
      '--log.level=info',
    ]);
    try {
      await waitForReady(url, started, options.readyTimeoutMs ?? 15_000);
      return running(url, started, dir);
    } catch (error) {
      lastError = error;
      await stop(started.child);
    }
  }
  await rm(dir, { recursive: true, force: true });
  throw lastError;
}

function alertmanagerConfig(options: AlertmanagerOptions): unknown {
  const webhook: Record<string, unknown> = { url: options.webhookUrl, send_resolved: true };
  // `authorization` (Prometheus common HTTP config) is what 0.25 supports; `bearer_token` is its deprecated spelling.
  if (options.token) webhook.http_config = { authorization: { type: 'Bearer', credentials: options.token } };
  const receiver = options.slack
    ? { name: 'chatops-bot', slack_configs: [{ api_url: options.slack.apiUrl, channel: options.slack.channel, send_resolved: true }] }
    : { name: 'chatops-bot', webhook_configs: [webhook] };
  return {
    route: {
      receiver: 'chatops-bot',
      group_by: options.groupBy ?? ['alertname'],
      group_wait: options.groupWait ?? '1s',
      group_interval: options.groupInterval ?? '1s',
      repeat_interval: options.repeatInterval ?? '1h',
    },
    receivers: [receiver],
  };
}

interface Launched {
  child: ChildProcessWithoutNullStreams;
  output: { text: string };
  exited: Promise<number | null>;
}

function launch(binary: string, args: string[]): Launched {
  // A group of its own: killed with its test file even if the test never reaches close().
  const child = spawnInGroup(binary, args);
  const output = { text: '' };
  const append = (chunk: Buffer) => {
    output.text = (output.text + chunk.toString('utf8')).slice(-MAX_LOG_CHARS);
  };
  child.stdout.on('data', append);
  child.stderr.on('data', append);
  const exited = new Promise<number | null>((resolve) => {
    void exitOf(child).then(({ code }) => resolve(code));
    child.once('error', (error) => {
      output.text += `\nspawn failed: ${error.message}`;
      resolve(null);
    });
  });
  return { child, output, exited };
}

async function waitForReady(url: string, { output, exited }: Launched, timeoutMs: number): Promise<void> {
  let exitCode: number | null | undefined;
  void exited.then((code) => {
    exitCode = code;
  });
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (exitCode !== undefined) throw new Error(`Alertmanager exited (code ${exitCode}) before it was ready:\n${output.text}`);
    try {
      const res = await fetch(`${url}/-/ready`, { signal: AbortSignal.timeout(1_000) });
      if (res.ok) return;
    } catch {
      // Not listening yet.
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`Alertmanager was not ready at ${url}/-/ready within ${timeoutMs} ms:\n${output.text}`);
}

function running(url: string, { child, output }: Launched, dir: string): RunningAlertmanager {
  return {
    url,
    async postAlerts(alerts) {
      const res = await fetch(`${url}/api/v2/alerts`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(alerts) });
      if (!res.ok) throw new Error(`Alertmanager refused the alerts: ${res.status} ${await res.text()}`);
    },
    logs: () => output.text,
    async close() {
      await stop(child);
      await rm(dir, { recursive: true, force: true });
    },
  };
}

async function stop(child: ChildProcessWithoutNullStreams): Promise<void> {
  // No pid: it never started, and will never emit 'exit'.
  if (child.pid === undefined) return;
  await stopGroup(child, 5_000);
}
