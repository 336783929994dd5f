import { spawn } from 'node:child_process';
import type { ChildProcessWithoutNullStreams, SpawnOptionsWithoutStdio } from 'node:child_process';

/**
 * Child processes of tests, each the leader of a process group of its own, so that what it starts
 * (`npm start` runs a shell that runs node; tsx runs node) goes with it. Every group started in a
 * test file is killed when the file ends (test/setup-file.ts), whether its test passed, failed or
 * timed out, and when the test process itself exits.
 */

/** Kept on globalThis: one set per process, however many times test files load this module. */
const REGISTRY = Symbol.for('chatops-test-process-groups');
const registry = globalThis as typeof globalThis & { [REGISTRY]?: Set<number> };
const groups = (registry[REGISTRY] ??= watchProcessEnd(new Set<number>()));

/**
 * The groups go when this process ends: at its normal exit, and on SIGTERM (vitest stopping its
 * workers, or a run stopped by hand), whose default would end it without an exit event.
 */
function watchProcessEnd(set: Set<number>): Set<number> {
  const sweep = () => {
    for (const pid of set) signalGroup(pid, 'SIGKILL');
    set.clear();
  };
  process.once('exit', sweep);
  process.once('SIGTERM', () => {
    sweep();
    process.exit(143);
  });
  return set;
}

/** Like `spawn` with pipes for stdio, in a new process group, remembered until the file ends. */
export function spawnInGroup(command: string, args: readonly string[], options: SpawnOptionsWithoutStdio = {}): ChildProcessWithoutNullStreams {
  const child = spawn(command, args, { ...options, stdio: 'pipe', detached: true });
  if (child.pid !== undefined) groups.add(child.pid);
  return child;
}

/** Sends `signal` to the whole group of a child from spawnInGroup; quiet when it is gone. */
export function signalGroup(pid: number | undefined, signal: NodeJS.Signals): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, signal);
  } catch {
    // Already gone.
  }
}

/** Whether the child has exited (its group may still have members: signalGroup reaches them). */
export const exited = (child: { exitCode: number | null; signalCode: NodeJS.Signals | null }) => child.exitCode !== null || child.signalCode !== null;

/** Resolves once the child has exited (at once if it already has). */
export function exitOf(child: ChildProcessWithoutNullStreams): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  if (exited(child)) return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
  return new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
}

/** SIGTERM to the group, SIGKILL after `graceMs` if the child has not exited by then. */
export async function stopGroup(child: ChildProcessWithoutNullStreams, graceMs = 10_000): Promise<void> {
  if (exited(child)) {
    signalGroup(child.pid, 'SIGKILL');
    return;
  }
  const done = exitOf(child);
  signalGroup(child.pid, 'SIGTERM');
  const timer = setTimeout(() => signalGroup(child.pid, 'SIGKILL'), graceMs);
  await done;
  clearTimeout(timer);
  // Anything the leader left behind in its group.
  signalGroup(child.pid, 'SIGKILL');
}

/** SIGKILL to every group this process started and has not yet swept; called when a file ends. */
export function killLeftoverGroups(): void {
  for (const pid of groups) signalGroup(pid, 'SIGKILL');
  groups.clear();
}

export interface Finished {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs a command to its end in a group of its own and collects its output; the group is killed
 * after `timeoutMs` (the result then shows the signal).
 */
export async function runInGroup(command: string, args: readonly string[], options: SpawnOptionsWithoutStdio & { timeoutMs?: number } = {}): Promise<Finished> {
  const { timeoutMs = 60_000, ...spawnOptions } = options;
  const child = spawnInGroup(command, args, spawnOptions);
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString('utf8')));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
  const timer = setTimeout(() => signalGroup(child.pid, 'SIGKILL'), timeoutMs);
  const closed = new Promise<void>((resolve) => child.once('close', () => resolve()));
  const spawnError = new Promise<Error>((resolve) => child.once('error', resolve));
  const outcome = await Promise.race([closed.then(() => undefined), spawnError]);
  clearTimeout(timer);
  if (outcome instanceof Error) throw outcome;
  return { code: child.exitCode, signal: child.signalCode, stdout, stderr };
}
