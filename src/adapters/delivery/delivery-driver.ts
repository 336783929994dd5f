import type { Logger } from 'pino';
import type { AuditRecord } from '../../core/audit.js';
import type { AuditStore, Clock, DeliveryStore, IncidentStore, LeaseStore } from '../../services/ports.js';

/** What a driver tells the deliverer it drives (Slack, PagerDuty). */
export interface DeliverySink {
  /**
   * An incident's audit trail has grown (at least) to `seq`: bring what it shows up to date.
   * `record` is there when this replica wrote it (the time index gives other replicas' keys only).
   */
  touched(incidentId: string, seq: number, record?: AuditRecord): void;
  /** Any change not shown by a new record (a restart, a repair pass): re-check the incident. */
  recheck(incidentId: string): void;
  /** This replica now delivers: start from what the store says. */
  start(): void;
  /** Another replica delivers now, or the bot stops: finish what is in flight, then stop. */
  stop(): Promise<void>;
  /** Local time (ms) since which something has waited for delivery; undefined when caught up. */
  oldestPending(): number | undefined;
}

export interface DeliveryDriverOptions {
  /** `slack` or `pagerduty`: names the lease and the watermark. */
  name: string;
  sink: DeliverySink;
  audit: Pick<AuditStore, 'feed'>;
  incidents: Pick<IncidentStore, 'list'>;
  deliveries: DeliveryStore;
  leases: LeaseStore;
  replicaId: string;
  clock: Clock;
  log: Logger;
  /** How long a lease lasts; renewed at a third of it. Another replica takes over this long after a crash. */
  leaseMs?: number;
  /** How often the time index is read for what other replicas wrote. */
  pollMs?: number;
  /** How often every unresolved incident is re-checked (a repair pass). */
  repairMs?: number;
}

/**
 * Clocks of replicas differ a little, and a write lands a little after its timestamp (longer when
 * the store is slow and the write is retried). Each poll re-reads a short window for the usual case,
 * and every DEEP_EVERY polls a long one for the stragglers.
 */
const SKEW_MS = 10_000;
const SHORT_SKEW_MS = 2000;
const DEEP_EVERY = 10;
/** How often the watermark is written (it is a hint for the next replica, not a cursor). */
const WATERMARK_EVERY_MS = 5000;
/** Without a watermark (a fresh store), how far back the first reader looks. */
const FIRST_LOOKBACK_MS = 60 * 60_000;

interface Watermark {
  /** Every record written before this instant is delivered. */
  upTo: string;
}

/**
 * Runs one deliverer on exactly one replica at a time (a lease in the store), and feeds it every
 * new audit record: this replica's at once, other replicas' from the store's time index within
 * `pollMs`. A watermark in the store says up to when everything is delivered, so a replica taking
 * over (after a crash, a deploy) re-reads only what may be left. A repair pass re-checks every
 * unresolved incident now and then, and whenever the lease is taken.
 */
export function createDeliveryDriver(options: DeliveryDriverOptions) {
  const { sink, clock, log } = options;
  const leaseMs = options.leaseMs ?? 15_000;
  const pollMs = options.pollMs ?? 1000;
  const repairMs = options.repairMs ?? 5 * 60_000;
  const leaseKey = `delivery:${options.name}`;
  const watermarkKey = `${options.name}#watermark`;
  /** The highest seq already passed to the sink, per incident: the feed repeats itself on purpose. */
  const seen = new Map<string, number>();
  let holding = false;
  let stopped = false;
  let lastPoll = 0;
  let polls = 0;
  let lastRepair = 0;
  let lastRenew = -Infinity;
  let lastWatermark = 0;
  let watermarkVersion = 0;
  let timer: NodeJS.Timeout | undefined;
  let ticking: Promise<void> = Promise.resolve();
  let firstTick: () => void = () => undefined;
  /** Settles once the first try for the lease is done (won or not). */
  const ready = new Promise<void>((resolve) => (firstTick = resolve));

  function pass(incidentId: string, seq: number, record?: AuditRecord): void {
    if ((seen.get(incidentId) ?? 0) >= seq) return;
    seen.set(incidentId, seq);
    if (seen.size > 50_000) seen.delete(seen.keys().next().value as string);
    sink.touched(incidentId, seq, record);
  }

  async function readFeed(sinceMs: number): Promise<void> {
    const started = clock.now().getTime();
    // Never further back than a first look would go: a feed read is one query per hour it spans.
    const from = Math.max(sinceMs, started - FIRST_LOOKBACK_MS);
    const keys = await options.audit.feed(new Date(from).toISOString());
    for (const key of keys) pass(key.incidentId, key.seq);
    lastPoll = started;
  }

  async function repair(): Promise<void> {
    lastRepair = clock.now().getTime();
    for (const incident of await options.incidents.list({ status: ['open', 'acknowledged', 'mitigating'], limit: 100_000 })) sink.recheck(incident.id);
  }

  async function takeOver(): Promise<void> {
    const mark = await options.deliveries.get<Watermark>(watermarkKey);
    watermarkVersion = mark?.version ?? 0;
    const from = mark ? Date.parse(mark.value.upTo) - SKEW_MS : clock.now().getTime() - FIRST_LOOKBACK_MS;
    seen.clear();
    sink.start();
    await readFeed(from);
    await repair();
    log.info({ deliverer: options.name, from: new Date(from).toISOString() }, 'delivering from this replica');
  }

  async function saveWatermark(): Promise<void> {
    const oldest = sink.oldestPending();
    const upTo = new Date(Math.min(oldest ?? Infinity, lastPoll) - SKEW_MS).toISOString();
    try {
      watermarkVersion = await options.deliveries.put<Watermark>(watermarkKey, { upTo }, watermarkVersion);
    } catch {
      // Another replica wrote it (a hand-over): read its version next time; the watermark is only a hint.
      watermarkVersion = (await options.deliveries.get<Watermark>(watermarkKey))?.version ?? 0;
    }
  }

  async function tick(): Promise<void> {
    const now = clock.now().getTime();
    if (now - lastRenew >= leaseMs / 3) {
      const held = await options.leases.acquire(leaseKey, options.replicaId, new Date(now + leaseMs));
      lastRenew = now;
      if (held && !holding) {
        holding = true;
        // A take-over the store interrupted is started over on the next tick, from the watermark.
        await takeOver().catch((err: unknown) => {
          holding = false;
          throw err;
        });
      } else if (!held && holding) {
        holding = false;
        log.info({ deliverer: options.name }, 'another replica delivers now');
        await sink.stop();
      }
    }
    if (!holding) return;
    if (now - lastPoll >= pollMs) await readFeed(lastPoll - (++polls % DEEP_EVERY === 0 ? SKEW_MS : SHORT_SKEW_MS));
    if (now - lastRepair >= repairMs) await repair();
    if (now - lastWatermark >= WATERMARK_EVERY_MS) {
      lastWatermark = now;
      await saveWatermark();
    }
  }

  function schedule(delayMs: number): void {
    if (stopped) return;
    timer = setTimeout(() => {
      ticking = tick()
        .catch((err: unknown) => log.warn({ err, deliverer: options.name }, 'delivery could not read the store; trying again'))
        .finally(() => {
          firstTick();
          schedule(Math.min(pollMs, leaseMs / 3));
        });
    }, delayMs);
    timer.unref();
  }

  return {
    /** Starts taking the lease and reading the feed. */
    start(): void {
      schedule(0);
    },
    /** A record this replica just wrote. */
    recorded(record: AuditRecord): void {
      if (holding) pass(record.incidentId, record.seq, record);
    },
    isHolding: () => holding,
    /** Resolves once this replica has tried for the lease (so `isHolding` means something). */
    ready: () => ready,
    /** Stops driving; the sink is stopped too (its in-flight work finished). */
    async stop(): Promise<void> {
      stopped = true;
      if (timer) clearTimeout(timer);
      await ticking;
      if (!holding) return;
      await sink.stop();
      holding = false;
      // Hand over at once: a replica starting now (a deploy) need not wait for the lease to run out.
      await options.leases.acquire(leaseKey, options.replicaId, clock.now()).catch(() => undefined);
    },
  };
}

export type DeliveryDriver = ReturnType<typeof createDeliveryDriver>;
