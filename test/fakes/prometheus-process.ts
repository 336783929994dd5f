import { spawnInGroup, stopGroup } from './process-group.js';
import { createServer as createHttpServer } from 'node:http';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { freeLoopbackPort } from './loopback-port.js';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';

/**
 * Debian's real Prometheus (`apt-get install prometheus`) as a child process, on loopback only, with
 * a temporary storage folder, scraping one test target this helper serves on 127.0.0.1: a tiny
 * metrics endpoint whose gauges the test sets. Not a fake: it sits with the fakes so tests share it.
 */

export const DEFAULT_PROMETHEUS_BIN = '/usr/bin/prometheus';

export interface RunningPrometheus {
  /** `http://127.0.0.1:<port>`: the bot's PROMETHEUS_URL. */
  url: string;
  /** Sets a gauge the target exposes, e.g. `set('chatops_test_error_ratio', { service: 'checkout-api' }, 0.5)`. */
  set(name: string, labels: Record<string, string>, value: number): void;
  /** Resolves once Prometheus has scraped `query` to a non-empty result (at least `samples` scrapes). */
  waitFor(query: string, samples?: number, timeoutMs?: number): Promise<void>;
  logs(): string;
  close(): Promise<void>;
}

const MAX_LOG_CHARS = 64 * 1024;

export async function startPrometheus(options: { binary?: string; scrapeIntervalSeconds?: number } = {}): Promise<RunningPrometheus> {
  const binary = options.binary ?? process.env.PROMETHEUS_BIN ?? DEFAULT_PROMETHEUS_BIN;
  const gauges = new Map<string, { name: string; labels: Record<string, string>; value: number }>();
  const target = createHttpServer((req, res) => {
    if (req.url !== '/metrics') {
      res.writeHead(404).end();
      return;
    }
    const lines = [...gauges.values()].map((g) => `${g.name}{${Object.entries(g.labels).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(',')}} ${g.value}`);
    res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end(`${lines.join('\n')}\n`);
  });
  await new Promise<void>((resolve) => target.listen(0, '127.0.0.1', resolve));
  const targetPort = (target.address() as AddressInfo).port;
  const dir = await mkdtemp(path.join(tmpdir(), 'chatops-prometheus-'));
  const interval = `${options.scrapeIntervalSeconds ?? 1}s`;
  await writeFile(path.join(dir, 'prometheus.yml'), JSON.stringify({
    global: { scrape_interval: interval, evaluation_interval: interval },
    scrape_configs: [{ job_name: 'chatops-test-target', static_configs: [{ targets: [`127.0.0.1:${targetPort}`] }] }],
  }));

  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freeLoopbackPort();
    const url = `http://127.0.0.1:${port}`;
    const child = spawnInGroup(binary, [
      `--config.file=${path.join(dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${path.join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--log.level=warn',
    ]);
    const output = { text: '' };
    const append = (chunk: Buffer) => void (output.text = (output.text + chunk.toString('utf8')).slice(-MAX_LOG_CHARS));
    child.stdout?.on('data', append);
    child.stderr?.on('data', append);
    let exited = false;
    child.once('exit', () => (exited = true));
    try {
      await until(async () => {
        if (exited) throw new Error(`Prometheus exited before it was ready:\n${output.text}`);
        return (await fetch(`${url}/-/ready`, { signal: AbortSignal.timeout(1000) }).catch(() => undefined))?.ok === true;
      }, 20_000, () => `Prometheus was not ready at ${url} within 20 s:\n${output.text}`);
      return {
        url,
        set(name, labels, value) {
          gauges.set(`${name}${JSON.stringify(labels)}`, { name, labels, value });
        },
        async waitFor(query, samples = 1, timeoutMs = 20_000) {
          await until(async () => {
            const res = await fetch(`${url}/api/v1/query?query=${encodeURIComponent(`count_over_time((${query})[1m:1s])`)}`);
            const body = (await res.json()) as { data?: { result?: { value: [number, string] }[] } };
            return Number(body.data?.result?.[0]?.value[1] ?? 0) >= samples;
          }, timeoutMs, () => `Prometheus had no ${samples} sample(s) of ${query} within ${timeoutMs} ms:\n${output.text}`);
        },
        logs: () => output.text,
        async close() {
          await stopGroup(child, 5_000);
          await new Promise<void>((resolve) => target.close(() => resolve()));
          await rm(dir, { recursive: true, force: true });
        },
      };
    } catch (error) {
      lastError = error;
      await stopGroup(child, 5_000);
    }
  }
  await new Promise<void>((resolve) => target.close(() => resolve()));
  await rm(dir, { recursive: true, force: true });
  throw lastError;
}

async function until(check: () => Promise<boolean>, timeoutMs: number, message: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(message());
}
