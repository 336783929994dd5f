import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { runGuardChain } from '../../src/services/guard-chain.js';
import type { ServiceDeps } from '../../src/services/deps.js';
import { USERS } from '../../test/e2e/harness.js';
import type { Harness } from '../../test/e2e/harness.js';
import { approvedStopStart } from '../approved-proposals.js';
import { closeBenchHarness, startBenchHarness, warnings } from '../bench-harness.js';
import { percentile } from '../percentiles.js';
import { exactTarget } from '../row.js';
import type { Row, Scenario } from '../row.js';

const REPETITIONS = 20;
/** How long an engaged switch may take to show in the stream before the scenario gives up. */
const WAIT_LIMIT_MS = 5000;

interface Attempt {
  /** performance.now() when runGuardChain was called and when it answered. */
  started: number;
  ended: number;
  killed: boolean;
}

interface ActionStream {
  /** Resolves with the first attempt from `from` on that `test` accepts; rejects after WAIT_LIMIT_MS. */
  next(from: number, test: (a: Attempt) => boolean): Promise<Attempt>;
  attempts: readonly Attempt[];
  stop(): Promise<void>;
}

/**
 * Actions attempted back to back, as ON_CALL_SRE on approved proposals for ever new instances:
 * each runs the guard chain from its first step, the kill-switch read. Most are soon refused by
 * a rate limit (20 restarts a minute), after that read, so the stream keeps probing the switch.
 */
function startActionStream(deps: ServiceDeps): ActionStream {
  const attempts: Attempt[] = [];
  let stopped = false;
  const loop = (async () => {
    for (let n = 0; !stopped; n++) {
      const started = performance.now();
      const verdict = await runGuardChain(deps, approvedStopStart(deps.catalogue, n), 'ON_CALL_SRE');
      attempts.push({ started, ended: performance.now(), killed: !verdict.allowed && verdict.guard === 'kill_switch' });
    }
  })();
  return {
    attempts,
    async next(from, test) {
      const deadline = performance.now() + WAIT_LIMIT_MS;
      for (let i = from; ; ) {
        for (; i < attempts.length; i++) if (test(attempts[i]!)) return attempts[i]!;
        if (performance.now() > deadline) throw new Error(`no matching action in ${WAIT_LIMIT_MS} ms: is the stream of actions running?`);
        await sleep(1);
      }
    },
    async stop() {
      stopped = true;
      await loop;
    },
  };
}

/** p50 and max: of 20 repetitions, a p99 would only repeat the max. */
function p50AndMax(label: string, ms: readonly number[]): Row[] {
  return [
    { name: `${label} p50`, value: percentile(ms, 50), unit: 'ms' },
    { name: `${label} max`, value: percentile(ms, 100), unit: 'ms' },
  ];
}

async function timedCommand(h: Harness, text: string): Promise<{ sent: number; acked: number; text: string }> {
  const sent = performance.now();
  const ack = await h.command('/kill-switch', text, USERS.sre);
  return { sent, acked: performance.now(), text: ack.text ?? '' };
}

/**
 * `/kill-switch on global bench` from the on-call SRE while actions are being attempted back to
 * back (DRY_RUN=false, so the chain goes past its dry-run step), then `/kill-switch off global`,
 * 20 times. The effect time runs from the ack arriving to the first action the kill switch
 * refuses. The switch is stored before the ack is sent, so an action that reads it while the ack
 * is on its way is refused before the ack arrives: a negative effect time. An action that started
 * after the ack and was not refused would be a broken promise, so the scenario counts those.
 */
export const killSwitchScenario: Scenario = {
  name: `Kill switch effect time, ${REPETITIONS} × /kill-switch on global and off, actions attempted back to back (DRY_RUN=false)`,
  async run(): Promise<Row[]> {
    const h = await startBenchHarness({ DRY_RUN: 'false' });
    const stream = startActionStream(h.bot.deps);
    try {
      const engageAcks: number[] = [];
      const releaseAcks: number[] = [];
      const fromAck: number[] = [];
      const fromSend: number[] = [];
      let letThrough = 0;
      for (let rep = 0; rep < REPETITIONS; rep++) {
        // Engage at a different point of the stream's rhythm each time.
        await sleep(50 + ((rep * 37) % 100));
        const from = stream.attempts.length;
        const on = await timedCommand(h, 'on global bench');
        if (!on.text.includes('engaged')) throw new Error(`/kill-switch on global answered: ${on.text}`);
        engageAcks.push(on.acked - on.sent);
        const refused = await stream.next(from, (a) => a.killed);
        fromAck.push(refused.ended - on.acked);
        fromSend.push(refused.ended - on.sent);
        await sleep(20);
        const off = await timedCommand(h, 'off global');
        if (!off.text.includes('released')) throw new Error(`/kill-switch off global answered: ${off.text}`);
        releaseAcks.push(off.acked - off.sent);
        letThrough += stream.attempts.slice(from).filter((a) => a.started >= on.acked && a.ended <= off.sent && !a.killed).length;
        await stream.next(stream.attempts.length, (a) => a.started > off.acked && !a.killed);
      }
      const attempts = stream.attempts;
      const wallMs = attempts.at(-1)!.ended - attempts[0]!.started;
      return [
        ...p50AndMax('kill switch effect, ack → first refused action', fromAck),
        { name: 'kill switch: first refusal before the ack arrived', value: fromAck.filter((ms) => ms < 0).length, unit: `of ${REPETITIONS}` },
        ...p50AndMax('kill switch effect, command sent → first refused action', fromSend),
        exactTarget('kill switch: actions let through after the ack', letThrough, 'actions', 0),
        ...p50AndMax('kill switch on, ack', engageAcks),
        ...p50AndMax('kill switch off, ack', releaseAcks),
        { name: 'kill switch: actions attempted per second', value: (attempts.length / wallMs) * 1000, unit: 'actions/s' },
        { name: 'kill switch: one attempt (guard chain) p50', value: percentile(attempts.map((a) => a.ended - a.started), 50), unit: 'ms' },
        { name: 'kill switch warnings logged (2 per repetition: switch changed)', value: warnings(h.logs), unit: 'lines' },
      ];
    } finally {
      await stream.stop();
      await closeBenchHarness(h);
    }
  },
};
