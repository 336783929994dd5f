import type { Logger } from 'pino';
import type { AuditRecord } from '../../../core/audit.js';
import { isAnnouncement, isThreadLine, nextThreadPost } from '../../../core/chat-projection.js';
import type { Proposal } from '../../../core/proposal.js';
import type { Runbook } from '../../../core/runbooks/schema.js';
import type { AuditLog } from '../../../services/audit-log.js';
import { CONTROLS_AUDIT } from '../../../services/kill-switch.js';
import { withRecordedAlerts } from '../../../services/recorded-alerts.js';
import type { Metrics } from '../../../services/metrics.js';
import type { AuditStore, Clock, DeliveryStore, IncidentStore, ProposalStore } from '../../../services/ports.js';
import { ConflictError } from '../../../services/ports.js';
import type { DeliverySink } from '../../delivery/delivery-driver.js';
import { announcementMessage, announcementOf } from '../blocks/announcement.js';
import { proposalMessage } from '../blocks/proposal-message.js';
import { rootMessage } from '../blocks/root-message.js';
import { threadBatch } from '../blocks/thread-batch.js';
import type { ChatBlocks } from './chat-blocks.js';
import { digest, emptyChatState, linesKey, proposalKey, rootKey, slackOldest } from './chat-state.js';
import type { ChatState, TrackedMessage } from './chat-state.js';
import type { Announcement, IncidentView } from '../../../services/incident-channel.js';
import { createPacer } from './pacer.js';
import type { PacerOptions } from './pacer.js';
import type { MessageKey, SlackApi, SlackOutcome } from './slack-api.js';
import { createChartUploads, queueCharts } from './chart-upload.js';
import type { ChartRenderer } from './chart-upload.js';

export interface SlackDeliveryOptions {
  api: SlackApi;
  incidents: Pick<IncidentStore, 'get'>;
  proposals: Pick<ProposalStore, 'listByIncident'>;
  audit: Pick<AuditStore, 'after'>;
  /** Where a message Slack refused is recorded (chat.delivery_failed). */
  auditLog: Pick<AuditLog, 'append'>;
  deliveries: DeliveryStore;
  runbookOf: (runbookId: string) => Runbook | undefined;
  /** SLACK_INCIDENT_CHANNEL: where announcements (kill switches, reports) go. */
  defaultChannel?: string;
  clock: Clock;
  log: Logger;
  metrics: Pick<Metrics, 'slackCall' | 'deliveryFailed'>;
  pacing?: Partial<PacerOptions>;
  /** Waits after a call whose outcome is unknown (5xx, timeout) or a store error: doubling from `baseMs` up to `maxMs`. */
  backoff?: { baseMs: number; maxMs: number };
  /** How long a message Slack refused (channel_not_found, not_in_channel…) waits before it is tried again. */
  refusedRetryMs?: number;
  /**
   * How long after its first change an incident's messages are checked for an update: changes in a
   * burst (an alert storm on one incident) then cost one look and one chat.update, not one each.
   */
  updateSettleMs?: number;
  /** Draws PromQL charts; without it (or without files:write) the thread has the sparklines only. */
  renderChart?: ChartRenderer;
}

/** What delivery remembers of one incident (or of CONTROLS) between calls. */
interface Entry {
  id: string;
  state?: ChatState;
  version: number;
  loading: boolean;
  busy: boolean;
  /** Something may be left to post (root, thread lines, a proposal message). */
  needsPost: boolean;
  /** The root or a proposal message may show something out of date. */
  needsUpdate: boolean;
  postSince?: number;
  updateSince?: number;
  retryAt: number;
  failures: number;
  /** A batch of thread lines whose post has an unknown outcome: looked for before posting again. */
  unknownLines?: { lastSeq: number; since: string };
  /**
   * This replica wrote the first record of the incident's trail: nothing can have been shown of it
   * yet, so its chat state is known to be empty without a read.
   */
  fresh?: boolean;
}

/**
 * Slack allows about one post a second per channel, counted as posts arrive; 1.1 s between two
 * sends keeps them a second apart at Slack when one request takes longer to get there than the next.
 */
const DEFAULT_PACING: PacerOptions = { postIntervalMs: 1100, updatesPerWindow: 45, updateWindowMs: 60_000 };
/** Records read from the trail per pass; a longer backlog is read on the next pass. */
const READ_BATCH = 500;
/** Incidents whose state is read from the store at once. */
const MAX_LOADS = 8;
/** The shortest time between two passes over the incidents (see kick). */
const DISPATCH_GAP_MS = 50;

/**
 * Slack as a projection of the store (DESIGN §4.1): each incident's root message, its thread lines
 * (one per audit step, several waiting ones sent as one message) and the messages of proposals
 * awaiting approval are derived from the incident, its proposals and its audit trail, and what has
 * been shown is kept in the store (`ChatState`), so a restart or another replica carries on where
 * this one stopped. Posts keep to one a second per channel and updates to Tier 3 for the workspace;
 * a 429 holds what Slack asked to hold; a 5xx or timeout is retried with backoff, after looking for
 * the message first where it may have been posted; a message Slack refuses is audited and counted.
 * Nothing here is ever awaited by remediation.
 */
export function createSlackDelivery(options: SlackDeliveryOptions): DeliverySink & { idle(): Promise<void>; backlog(): number } {
  const { api, clock, metrics } = options;
  const log = options.log.child({ component: 'slack-delivery' });
  const pacer = createPacer({ ...DEFAULT_PACING, ...options.pacing });
  const backoff = options.backoff ?? { baseMs: 1000, maxMs: 60_000 };
  const refusedRetryMs = options.refusedRetryMs ?? 10 * 60_000;
  const updateSettleMs = options.updateSettleMs ?? 1000;
  const entries = new Map<string, Entry>();
  const busyChannels = new Set<string>();
  let active = false;
  let pumping = false;
  let wake: (() => void) | undefined;
  let timer: NodeJS.Timeout | undefined;
  let kickTimer: NodeJS.Timeout | undefined;
  let lastDispatch = -Infinity;
  let loads = 0;
  const inFlight = new Set<Promise<void>>();
  let idleWaiters: (() => void)[] = [];

  const now = () => clock.now().getTime();

  function entryOf(id: string): Entry {
    let entry = entries.get(id);
    if (!entry) {
      entry = { id, version: 0, loading: false, busy: false, needsPost: false, needsUpdate: false, retryAt: 0, failures: 0 };
      entries.set(id, entry);
    }
    return entry;
  }

  function wantPost(entry: Entry): void {
    if (!entry.needsPost) entry.postSince = now();
    entry.needsPost = true;
  }

  function wantUpdate(entry: Entry): void {
    if (!entry.needsUpdate) entry.updateSince = now();
    entry.needsUpdate = true;
  }

  function pending(entry: Entry): boolean {
    return entry.needsPost || entry.needsUpdate || entry.busy || entry.loading;
  }

  /**
   * A kick wakes the pump at most once per DISPATCH_GAP_MS: in an alert storm every record kicks,
   * and a pass over every incident per record would be CPU taken from the webhooks.
   */
  function kick(): void {
    if (!active) return;
    if (!wake) {
      if (!pumping) void pump();
      return;
    }
    const since = performance.now() - lastDispatch;
    if (since >= DISPATCH_GAP_MS) wake();
    else kickTimer ??= setTimeout(() => {
      kickTimer = undefined;
      wake?.();
    }, DISPATCH_GAP_MS - since);
  }

  function checkIdle(): void {
    if ([...entries.values()].some(pending)) return;
    const waiters = idleWaiters;
    idleWaiters = [];
    waiters.forEach((resolve) => resolve());
  }

  function launch(entry: Entry, work: () => Promise<void>, onDone?: () => void): void {
    entry.busy = true;
    const run = work()
      .then(() => {
        entry.failures = 0;
      })
      .catch((err: unknown) => {
        if (err instanceof ConflictError) {
          // Another replica wrote this incident's chat state (a hand-over): read it again.
          entry.state = undefined;
          entry.version = 0;
        }
        retryLater(entry, err instanceof Error ? err.message : String(err));
        // Whatever it was doing is still to be done.
        wantPost(entry);
        wantUpdate(entry);
      })
      .finally(() => {
        entry.busy = false;
        onDone?.();
        inFlight.delete(run);
        // Caught up and idle: forget it, so memory follows the incidents still being delivered.
        if (!pending(entry) && entry.retryAt <= now() && !entry.unknownLines) entries.delete(entry.id);
        checkIdle();
        kick();
      });
    inFlight.add(run);
  }

  function retryLater(entry: Entry, reason: string, atLeastMs = 0): void {
    entry.failures += 1;
    const delay = Math.min(backoff.maxMs, backoff.baseMs * 2 ** (entry.failures - 1));
    entry.retryAt = now() + Math.max(atLeastMs, delay * (0.5 + Math.random() / 2));
    log.warn({ incidentId: entry.id, reason, retryInMs: entry.retryAt - now() }, 'Slack delivery will try again');
  }

  async function load(entry: Entry): Promise<void> {
    const fresh = entry.fresh === true;
    entry.fresh = false;
    const stored = fresh ? undefined : await options.deliveries.get<ChatState>(`chat#${entry.id}`);
    if (stored) {
      entry.state = stored.value;
      entry.version = stored.version;
      return;
    }
    // The incident this process just opened is in its cache; its channel never changes.
    const channel = entry.id === CONTROLS_AUDIT ? options.defaultChannel : (await options.incidents.get(entry.id, { cached: fresh }))?.channel;
    if (!channel) {
      // No channel (none configured, or the incident is gone): nothing to show anywhere.
      entry.needsPost = false;
      entry.needsUpdate = false;
      return;
    }
    entry.state = emptyChatState(channel);
    entry.version = 0;
  }

  async function save(entry: Entry): Promise<void> {
    entry.version = await options.deliveries.put(`chat#${entry.id}`, entry.state, entry.version);
  }

  async function refused(entry: Entry, what: string, code: string, details: Record<string, unknown> = {}): Promise<void> {
    metrics.deliveryFailed('slack', what);
    log.error({ incidentId: entry.id, what, code }, 'Slack refused a message; it is recorded in the audit trail instead');
    await options.auditLog.append({
      incidentId: entry.id,
      kind: 'chat.delivery_failed',
      stepKey: `chat-failed:${what}:${String(details.key ?? '')}:${code}`,
      trigger: 'slack',
      outcome: 'FAILURE',
      operator: 'automated',
      details: { what, error: code, channel: entry.state?.channel, ...details },
    });
  }

  /** One call to Slack, counted; a 429 pauses what Slack asked to pause. */
  async function send<T>(method: string, channel: string, work: () => Promise<SlackOutcome<T>>): Promise<SlackOutcome<T>> {
    const outcome = await work();
    metrics.slackCall(method, outcome.kind);
    if (outcome.kind === 'rate_limited') {
      const until = now() + outcome.retryAfterMs;
      if (method === 'chat.update') pacer.pauseUpdates(until);
      else pacer.pauseChannel(channel, until);
      log.warn({ method, channel, retryAfterMs: outcome.retryAfterMs }, 'Slack asked to slow down');
    }
    return outcome;
  }

  /**
   * Posts a message that must not appear twice: recorded as being posted before the call; if an
   * earlier attempt's outcome is unknown, looked for first. Returns its ts once it is in Slack.
   */
  async function postOnce(entry: Entry, message: TrackedMessage, what: string, post: { key: MessageKey; threadTs?: string; render: () => ChatBlocks }): Promise<'posted' | 'retry' | 'refused'> {
    const state = entry.state as ChatState;
    if (message.postingSince) {
      const found = await send('lookup', state.channel, () => api.find(state.channel, post.key, { ...(post.threadTs ? { threadTs: post.threadTs } : {}), oldest: slackOldest(message.postingSince as string) }));
      if (found.kind === 'ok' && found.value) {
        message.ts = found.value;
        delete message.postingSince;
        await save(entry);
        log.info({ incidentId: entry.id, what, ts: found.value }, 'found a message whose post had an unknown outcome; not posting it again');
        return 'posted';
      }
      if (found.kind === 'rate_limited' || found.kind === 'unknown') {
        retryLater(entry, `looking for the ${what} message: ${found.kind}`);
        return 'retry';
      }
      // Not there (or the lookup is not allowed: conversations.history needs channels:history): post.
      if (found.kind === 'refused') log.warn({ incidentId: entry.id, code: found.code }, 'could not look for an earlier post; posting again (add channels:history and groups:history to the app)');
    }
    message.postingSince = clock.now().toISOString();
    await save(entry);
    const rendered = post.render();
    pacer.posted(state.channel, now());
    const outcome = await send('chat.postMessage', state.channel, () => api.post(state.channel, rendered, { key: post.key, ...(post.threadTs ? { threadTs: post.threadTs } : {}) }));
    switch (outcome.kind) {
      case 'ok':
        message.ts = outcome.value.ts;
        message.hash = digest(rendered);
        delete message.postingSince;
        delete message.refused;
        await save(entry);
        return 'posted';
      case 'rate_limited':
        delete message.postingSince; // Slack did nothing: known not posted.
        return 'retry';
      case 'unknown':
        retryLater(entry, `posting the ${what} message: ${outcome.reason}`);
        return 'retry';
      case 'refused':
        delete message.postingSince;
        if (message.refused !== outcome.code) await refused(entry, what, outcome.code, { key: post.key.payload });
        // Given up on for now, and said so: the repair pass tries it again after refusedRetryMs
        // (the bot invited to the channel since, say).
        message.refused = outcome.code;
        message.refusedAt = clock.now().toISOString();
        await save(entry);
        return 'refused';
    }
  }

  /** Charts of PromQL diagnostics: an upload is a post of its own, right after its record's line. */
  const charts = options.renderChart
    ? createChartUploads({ api, audit: options.audit, deliveries: options.deliveries, render: options.renderChart, clock, log, refusedRetryMs: Math.max(refusedRetryMs, 60 * 60_000), send, posted: (channel) => pacer.posted(channel, now()) })
    : undefined;

  /**
   * The incident as its trail has it: the item with the alerts recorded since it last took them in
   * (a just-opened incident's first ones, a storm's latest), so the root shows them at once.
   */
  async function view(incidentId: string) {
    const stored = await options.incidents.get(incidentId);
    if (!stored) return undefined;
    const { incident } = await withRecordedAlerts({ audit: options.audit }, stored);
    return { incident, proposals: await options.proposals.listByIncident(incidentId) };
  }

  /** Posts the next thing the incident (or CONTROLS) has waiting; says whether more may be left. */
  async function servePost(entry: Entry): Promise<boolean> {
    const state = entry.state as ChatState;
    if (entry.id === CONTROLS_AUDIT) return serveAnnouncement(entry);
    if (!state.root.ts) return postRoot(entry);
    return serveThread(entry);
  }

  async function postRoot(entry: Entry): Promise<boolean> {
    const state = entry.state as ChatState;
    if (state.root.refused && now() - Date.parse(state.root.refusedAt ?? '') < refusedRetryMs) return false;
    const current = await view(entry.id);
    if (!current) return false;
    const result = await postOnce(entry, state.root, 'root', { key: rootKey(entry.id), render: () => rootMessage(current) });
    if (result === 'posted') wantUpdate(entry); // the state may have moved on while it was posted
    return result !== 'refused';
  }

  async function serveThread(entry: Entry): Promise<boolean> {
    const state = entry.state as ChatState;
    const threadTs = state.root.ts as string;
    if (entry.unknownLines) {
      const { lastSeq, since } = entry.unknownLines;
      const found = await send('lookup', state.channel, () => api.find(state.channel, linesKey(entry.id, lastSeq), { threadTs, oldest: slackOldest(since) }));
      if (found.kind === 'rate_limited' || found.kind === 'unknown') {
        retryLater(entry, `looking for thread lines: ${found.kind}`);
        return true;
      }
      entry.unknownLines = undefined;
      if (found.kind === 'ok' && found.value) {
        state.threadSeq = Math.max(state.threadSeq, lastSeq);
        await save(entry);
        return true;
      }
    }
    if (charts && state.charts?.due.length) {
      const turn = { incidentId: entry.id, state, save: () => save(entry), refused: (what: string, code: string, details?: Record<string, unknown>) => refused(entry, what, code, details), retryLater: (reason: string) => retryLater(entry, reason) };
      if (await charts.serve(turn)) return true;
    }
    const cursorBefore = state.threadSeq;
    let records = await options.audit.after(entry.id, state.threadSeq, READ_BATCH);
    const full = records.length >= READ_BATCH;
    const hasMessage = (id: string) => Boolean(state.proposals[id]?.ts || state.proposals[id]?.refused);
    let next = nextThreadPost(records, hasMessage);
    while (next?.kind === 'skip') {
      const { lastSeq } = next;
      state.threadSeq = lastSeq;
      records = records.filter((r) => r.seq > lastSeq);
      next = nextThreadPost(records, hasMessage);
    }
    if (!next) {
      if (state.threadSeq !== cursorBefore) await save(entry);
      if (full) return true; // more to read on the next pass
      // Caught up with the trail. Repair: a proposal awaiting approval must have its buttons.
      const current = await view(entry.id);
      const missing = current?.proposals.find((p) => p.status === 'pending_approval' && !hasMessage(p.id));
      if (!current || !missing) return false;
      await postProposal(entry, current, missing);
      return true;
    }
    if (next.kind === 'proposal') {
      const current = await view(entry.id);
      const proposal = current?.proposals.find((p) => p.id === next.proposalId);
      if (!current || !proposal) {
        state.threadSeq = next.record.seq; // the proposal is gone: nothing to show
        await save(entry);
      } else {
        await postProposal(entry, current, proposal, next.record.seq);
      }
      return true;
    }
    const { message, count } = threadBatch(next.records);
    const lastSeq = (next.records[count - 1] as AuditRecord).seq;
    const since = clock.now().toISOString();
    pacer.posted(state.channel, now());
    const outcome = await send('chat.postMessage', state.channel, () => api.post(state.channel, message, { threadTs, key: linesKey(entry.id, lastSeq) }));
    if (outcome.kind === 'ok' || outcome.kind === 'refused') {
      if (outcome.kind === 'refused') await refused(entry, 'thread', outcome.code, { key: lastSeq, seqs: next.records.slice(0, count).map((r) => r.seq) });
      else if (charts) queueCharts(state, next.records.slice(0, count));
      state.threadSeq = lastSeq;
      await save(entry);
    } else if (outcome.kind === 'unknown') {
      entry.unknownLines = { lastSeq, since };
      retryLater(entry, `posting thread lines: ${outcome.reason}`);
    }
    return true;
  }

  async function postProposal(entry: Entry, current: IncidentView, proposal: Proposal, cursorSeq?: number): Promise<void> {
    const state = entry.state as ChatState;
    const message = (state.proposals[proposal.id] ??= {});
    const result = await postOnce(entry, message, 'proposal', {
      key: proposalKey(proposal.id),
      threadTs: state.root.ts as string,
      render: () => proposalMessage(current, proposal, options.runbookOf(proposal.plan.runbookId)),
    });
    if (result !== 'retry' && cursorSeq !== undefined && cursorSeq > state.threadSeq) {
      state.threadSeq = cursorSeq;
      await save(entry);
    }
  }

  async function serveAnnouncement(entry: Entry): Promise<boolean> {
    const state = entry.state as ChatState;
    const records = await options.audit.after(entry.id, state.threadSeq, READ_BATCH);
    const next = records.find((r) => isAnnouncement(r) && announcementOf(r) !== undefined);
    if (!next) {
      const last = records.at(-1);
      if (last) {
        state.threadSeq = last.seq;
        await save(entry);
      }
      return records.length >= READ_BATCH;
    }
    pacer.posted(state.channel, now());
    const outcome = await send('chat.postMessage', state.channel, () => api.post(state.channel, announcementMessage(announcementOf(next) as Announcement), { key: linesKey(entry.id, next.seq) }));
    if (outcome.kind === 'ok' || outcome.kind === 'refused') {
      if (outcome.kind === 'refused') await refused(entry, 'announcement', outcome.code, { key: next.seq });
      state.threadSeq = next.seq;
      await save(entry);
    } else if (outcome.kind === 'unknown') {
      retryLater(entry, `posting an announcement: ${outcome.reason}`);
    }
    return true;
  }

  /**
   * Brings one out-of-date message (the root first, then proposal messages) up to date: one update
   * per call, since the budget is shared by every incident. Says whether more may be out of date.
   */
  async function serveUpdate(entry: Entry): Promise<boolean> {
    const state = entry.state as ChatState;
    const current = await view(entry.id);
    if (!current || !state.root.ts) return false;
    const candidates: [string, TrackedMessage, () => ChatBlocks][] = [['root', state.root, () => rootMessage(current)]];
    for (const p of current.proposals) {
      const message = state.proposals[p.id];
      if (message?.ts) candidates.push(['proposal', message, () => proposalMessage(current, p, options.runbookOf(p.plan.runbookId))]);
    }
    for (const [what, message, render] of candidates) {
      if (!message.ts || message.refused) continue;
      const rendered = render();
      const hash = digest(rendered);
      if (hash === message.hash) continue;
      pacer.updated(now());
      const outcome = await send('chat.update', state.channel, () => api.update(state.channel, message.ts as string, rendered));
      if (outcome.kind === 'ok') {
        message.hash = hash;
        await save(entry);
      } else if (outcome.kind === 'refused') {
        // Deleted by someone, or no longer the bot's: stop updating it, and say so once.
        message.hash = hash;
        message.refused = outcome.code;
        await refused(entry, `${what}-update`, outcome.code, { key: message.ts });
        await save(entry);
      } else if (outcome.kind === 'unknown') {
        retryLater(entry, `updating the ${what} message: ${outcome.reason}`);
      }
      return true;
    }
    return false;
  }

  /** Starts what can start now; returns how long until something else may (Infinity: nothing waits). */
  function dispatch(): number {
    const t = now();
    let wait = Infinity;
    const postable = new Map<string, Entry>();
    let updatable: Entry | undefined;
    for (const entry of entries.values()) {
      if (entry.busy || entry.loading) continue;
      if (!entry.needsPost && !entry.needsUpdate) continue;
      if (entry.retryAt > t) {
        wait = Math.min(wait, entry.retryAt - t);
        continue;
      }
      if (!entry.state) {
        if (loads >= MAX_LOADS) continue;
        loads++;
        entry.loading = true;
        const loading = load(entry)
          .then(() => {
            entry.failures = 0;
          })
          .catch((err: unknown) => retryLater(entry, (err as Error).message))
          .finally(() => {
            entry.loading = false;
            loads--;
            inFlight.delete(loading);
            checkIdle();
            kick();
          });
        inFlight.add(loading);
        continue;
      }
      const { channel } = entry.state;
      if (entry.needsPost && !busyChannels.has(channel)) {
        const best = postable.get(channel);
        if (!best || rank(entry) < rank(best)) postable.set(channel, entry);
      }
      // Nothing to update before the root exists: posting it asks for an update check again.
      if (entry.needsUpdate && !entry.state.root.ts) entry.needsUpdate = false;
      const settled = (entry.updateSince ?? 0) + updateSettleMs;
      if (entry.needsUpdate && entry.state.root.ts && settled > t) wait = Math.min(wait, settled - t);
      else if (entry.needsUpdate && entry.state.root.ts && (!updatable || (entry.updateSince ?? 0) < (updatable.updateSince ?? 0))) updatable = entry;
    }
    for (const [channel, entry] of postable) {
      const slot = pacer.postWait(channel, t);
      if (slot > 0) {
        wait = Math.min(wait, slot);
        continue;
      }
      busyChannels.add(channel);
      // Cleared before the work starts: a record arriving meanwhile sets it again (never lost).
      entry.needsPost = false;
      launch(entry, async () => {
        if (await servePost(entry)) wantPost(entry);
      }, () => busyChannels.delete(channel));
    }
    if (updatable && !updatable.busy) {
      const slot = pacer.updateWait(t);
      if (slot > 0) wait = Math.min(wait, slot);
      else {
        updatable.needsUpdate = false;
        launch(updatable, async () => {
          if (await serveUpdate(updatable)) wantUpdate(updatable);
        });
      }
    }
    return wait;
  }

  /** Roots first (so every incident is visible), then whoever has waited longest. */
  function rank(entry: Entry): number {
    return (entry.state?.root.ts || entry.id === CONTROLS_AUDIT ? 1e15 : 0) + (entry.postSince ?? 0);
  }

  async function pump(): Promise<void> {
    pumping = true;
    try {
      while (active) {
        lastDispatch = performance.now();
        const waitMs = dispatch();
        await new Promise<void>((resolve) => {
          wake = resolve;
          if (waitMs < Infinity) timer = setTimeout(resolve, Math.max(1, waitMs));
        });
        wake = undefined;
        if (timer) clearTimeout(timer);
      }
    } finally {
      pumping = false;
    }
  }

  return {
    touched(incidentId, _seq, record) {
      const entry = entryOf(incidentId);
      // A record this replica wrote at seq 1 began the trail (only records written now are passed).
      if (record?.seq === 1 && !entry.state && !entry.loading) entry.fresh = true;
      if (!record || isThreadLine(record) || record.kind === 'approval.requested' || isAnnouncement(record) || !entry.state?.root.ts) wantPost(entry);
      if (incidentId !== CONTROLS_AUDIT) wantUpdate(entry);
      kick();
    },
    recheck(incidentId) {
      const entry = entryOf(incidentId);
      wantPost(entry);
      wantUpdate(entry);
      kick();
    },
    start() {
      entries.clear();
      active = true;
      kick();
    },
    async stop() {
      active = false;
      if (kickTimer) clearTimeout(kickTimer);
      kickTimer = undefined;
      wake?.();
      await Promise.all([...inFlight]);
      entries.clear();
      checkIdle();
    },
    oldestPending() {
      let oldest: number | undefined;
      for (const e of entries.values()) {
        const since = Math.min(e.needsPost ? (e.postSince ?? Infinity) : Infinity, e.needsUpdate ? (e.updateSince ?? Infinity) : Infinity);
        if (since < (oldest ?? Infinity)) oldest = since;
      }
      return oldest;
    },
    idle() {
      checkIdle();
      if (![...entries.values()].some(pending)) return Promise.resolve();
      return new Promise((resolve) => idleWaiters.push(resolve));
    },
    backlog: () => [...entries.values()].filter(pending).length,
  };
}
