import { spawn } from 'node:child_process';

export interface BotChild {
  url: string;
  /** SIGKILL to the bot's whole process group: nothing runs after it, nothing is flushed. */
  kill9(): Promise<void>;
  /** SIGTERM, then SIGKILL if it has not gone within 10 s. */
  stop(): Promise<void>;
  /** What it wrote so far (stdout and stderr), for a failure message. */
  output(): string;
}

/**
 * Starts the bot (test/fakes/bot-main.ts) in its own process group, so a test can `kill -9` it
 * mid-step and start another on the same store. `env` is the bot's configuration; `options` are
 * StartOptions that JSON can carry.
 */
export async function startBotChild(env: Record<string, string>, options: Record<string, unknown> = {}): Promise<BotChild> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/fakes/bot-main.ts'], {
    env: { ...process.env, ...env, CHATOPS_TEST_START_OPTIONS: JSON.stringify(options), AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let output = '';
  child.stdout.on('data', (c: Buffer) => (output += c.toString('utf8')));
  child.stderr.on('data', (c: Buffer) => (output += c.toString('utf8')));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const killGroup = (signal: NodeJS.Signals) => {
    try {
      process.kill(-(child.pid as number), signal);
    } catch {
      // Already gone.
    }
  };
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      killGroup('SIGKILL');
      reject(new Error(`the bot process did not start within 60 s:\n${output}`));
    }, 60_000);
    const onData = () => {
      const line = output.split('\n').find((l) => l.includes('chatops bot listening'));
      if (!line) return;
      clearTimeout(timer);
      child.stdout.off('data', onData);
      resolve((JSON.parse(line) as { url: string }).url);
    };
    child.stdout.on('data', onData);
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`the bot process exited before listening:\n${output}`));
    });
  });
  return {
    url,
    async kill9() {
      killGroup('SIGKILL');
      await exited;
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      killGroup('SIGTERM');
      const timer = setTimeout(() => killGroup('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
    output: () => output,
  };
}
