import { exitOf, signalGroup, spawnInGroup, stopGroup } from './process-group.js';

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
 * StartOptions that JSON can carry. A bot the test does not stop is killed when its file ends.
 */
export async function startBotChild(env: Record<string, string>, options: Record<string, unknown> = {}): Promise<BotChild> {
  const child = spawnInGroup(process.execPath, ['--import', 'tsx', 'test/fakes/bot-main.ts'], {
    env: { ...process.env, ...env, CHATOPS_TEST_START_OPTIONS: JSON.stringify(options), AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
  });
  let output = '';
  child.stdout.on('data', (c: Buffer) => (output += c.toString('utf8')));
  child.stderr.on('data', (c: Buffer) => (output += c.toString('utf8')));
  const exited = exitOf(child);
  const url = await new Promise<string>((resolve, reject) => {
    const onData = () => {
      const line = output.split('\n').find((l) => l.includes('chatops bot listening'));
      if (!line) return;
      child.stdout.off('data', onData);
      resolve((JSON.parse(line) as { url: string }).url);
    };
    child.stdout.on('data', onData);
    // No timer of its own: the test's timeout bounds the wait, and the file's end kills the group.
    void exited.then(() => reject(new Error(`the bot process exited before listening:\n${output}`)));
  });
  return {
    url,
    async kill9() {
      signalGroup(child.pid, 'SIGKILL');
      await exited;
    },
    stop: () => stopGroup(child),
    output: () => output,
  };
}
