import type { Incident, IncidentStatus } from '../core/incident.js';
import type { Proposal, ProposalStatus } from '../core/proposal.js';
import type { AuditEntry, AuditRecord } from '../core/audit.js';

/**
 * Ports: the services talk to storage, Slack and SSM only through these interfaces. Each store has
 * a DynamoDB implementation (the same code on dynalite and on AWS) and the same contract tests.
 */

/** A write lost a race: someone else changed the item first. Re-read and try again. */
export class ConflictError extends Error {
  override readonly name = 'ConflictError';
}

/** The store did not answer; callers fail closed (ingest answers 503, no action runs). */
export class StoreUnavailableError extends Error {
  override readonly name = 'StoreUnavailableError';
}

/** Which incident owns an alert group, and whether it may still take alerts. */
export interface GroupClaim {
  groupKey: string;
  incidentId: string;
}

export interface IncidentStore {
  /** Allocates the next short id (INC-1, INC-2, …) with an atomic counter. */
  nextId(): Promise<string>;
  /**
   * An id from nextId that was not used (its claim lost a race, or the group had one already): back
   * to the counter when no one took a number since, else this process hands it out next. Never
   * rejects; callers need not wait for it.
   */
  releaseId(id: string): Promise<void>;
  /** The claim of a group as this process last saw it, without a read; undefined when it saw none. */
  knownClaim(groupKey: string): GroupClaim | undefined;
  /**
   * The claim of a group. With `cached`, a claim this process read or wrote before may be returned
   * without a read: a claim only moves away from a *resolved* incident, so a cached claim whose
   * incident is still open is current; callers re-read uncached when the incident is resolved.
   */
  getClaim(groupKey: string, options?: { cached?: boolean }): Promise<GroupClaim | undefined>;
  /**
   * Points a group at an incident. `previousIncidentId` undefined means "only if unclaimed";
   * otherwise "only if it still points at that incident". Throws ConflictError when it lost.
   */
  putClaim(claim: GroupClaim, previousIncidentId: string | undefined): Promise<void>;
  /**
   * With `cached`, the incident as this process last knew it (read, written, or `remember`ed) may
   * be returned without a read. It may be behind the store: use it only where a write conditional on
   * its version follows, or where being a little behind is harmless.
   */
  get(id: string, options?: { cached?: boolean; maxAgeMs?: number }): Promise<Incident | undefined>;
  /** Keeps `incident` as what this process knows (alerts it applied and audited, not yet written). */
  remember(incident: Incident): void;
  /** Creates the incident; ConflictError if the id exists. Stores it with version 1. */
  create(incident: Incident): Promise<Incident>;
  /** Writes `incident` if the stored version is still `incident.version`; returns it with version + 1. */
  update(incident: Incident): Promise<Incident>;
  /** Newest first. */
  list(filter?: { status?: IncidentStatus[]; limit?: number }): Promise<Incident[]>;
}

export interface ProposalStore {
  /** Creates the proposal unless one with that id exists; returns whichever is stored. */
  createIfAbsent(proposal: Proposal): Promise<{ created: boolean; proposal: Proposal }>;
  get(id: string): Promise<Proposal | undefined>;
  /** Conditional on `proposal.version`; returns it with version + 1, or throws ConflictError. */
  update(proposal: Proposal): Promise<Proposal>;
  listByIncident(incidentId: string): Promise<Proposal[]>;
  /**
   * Whether this process has read or written a proposal with this id (nothing deletes proposals,
   * so it exists): lets incident processing skip reading the incident's proposals again.
   */
  knownToExist(id: string): boolean;
  /** `updatedSince` (ISO time): only those last updated then or later, read as such from the index. */
  listByStatus(statuses: ProposalStatus[], options?: { updatedSince?: string }): Promise<Proposal[]>;
}

export interface AuditQuery {
  incident?: string;
  kind?: string;
  alertname?: string;
  /** ISO timestamp: records at or after it. */
  since?: string;
  /** Case-insensitive substring of the record's JSON. */
  contains?: string;
  /** At most this many, newest last. */
  n?: number;
}

/** Where an audit record sits: enough to read it, and to order it in time. */
export interface AuditKey {
  incidentId: string;
  seq: number;
  timestamp: string;
}

export interface AuditStore {
  /**
   * Appends to the incident's hash chain with a conditional put on seq. Idempotent on
   * (incidentId, stepKey): a retried step returns the record already written, with `created: false`.
   */
  append(entry: AuditEntry): Promise<{ record: AuditRecord; created: boolean }>;
  query(q: AuditQuery): Promise<AuditRecord[]>;
  /** The whole chain of one incident, in seq order. */
  chain(incidentId: string): Promise<AuditRecord[]>;
  /** The incident was just created: its chain is empty, so its first append need not read it. */
  beginChain(incidentId: string): void;
  /** The records of one incident after seq `after`, in seq order (at most `max`). */
  after(incidentId: string, after: number, max?: number): Promise<AuditRecord[]>;
  /**
   * Keys of the records written at or after `since` (ISO 8601), by every replica, in time order:
   * how a replica learns of steps another one took. Timestamps come from the writers' clocks, so
   * callers read a little further back than they need and drop what they have seen.
   */
  feed(since: string): Promise<AuditKey[]>;
  /**
   * The records at `keys` (from `feed`), in the order of `keys`; a key with no record is left out.
   * Strongly consistent, 100 keys a request (BatchGetItem).
   */
  byKeys(keys: readonly Pick<AuditKey, 'incidentId' | 'seq'>[]): Promise<AuditRecord[]>;
}

/**
 * Small versioned items that say how far delivery to Slack and PagerDuty has got (cursors, message
 * timestamps, watermarks). Every write is conditional on the version read, so two replicas never
 * both believe they delivered the same thing.
 */
export interface DeliveryStore {
  get<T>(key: string): Promise<{ value: T; version: number } | undefined>;
  /** Writes `value` if the stored version is still `version` (0: only if absent); returns the new version. ConflictError otherwise. */
  put<T>(key: string, value: T, version: number): Promise<number>;
}

/** The controls table's health: a cheap read used by /readyz. */
export interface ControlStore {
  ping(): Promise<void>;
}

/** `global`, `service:<name>` or `action:<type>`. */
export type KillSwitchScope = string;

export interface KillSwitch {
  scope: KillSwitchScope;
  engaged: boolean;
  by: string;
  authority: string;
  at: string;
  reason?: string;
}

/**
 * Kill switches. Reads are strongly consistent and never cached: a switch engaged a second ago
 * must stop the next action. A read that fails throws, and callers refuse the action.
 */
export interface KillSwitchStore {
  /** The engaged switches among `scopes`. */
  engaged(scopes: readonly KillSwitchScope[]): Promise<KillSwitch[]>;
  /** Every engaged switch. */
  listEngaged(): Promise<KillSwitch[]>;
  set(sw: KillSwitch): Promise<void>;
}

export type TokenDecision = { granted: true; remaining: number } | { granted: false; retryAfterMs: number };

/**
 * Token buckets shared by every replica: a take is one conditional decrement, so concurrent
 * takes never grant more tokens than the bucket holds.
 */
export interface RateLimitStore {
  take(bucket: string, capacity: number, ratePerMinute: number): Promise<TokenDecision>;
  /** Current token counts, for snapshots and metrics. */
  peek(bucket: string): Promise<number | undefined>;
}

export interface Cooldown {
  key: string;
  until: string;
  owner: string;
}

/** Cooldowns per runbook and target, so the same fix does not loop on a flapping alert. */
export interface CooldownStore {
  get(key: string): Promise<Cooldown | undefined>;
  /** Starts a cooldown unless another owner holds an unexpired one; true when this owner holds it. */
  claim(key: string, owner: string, until: Date): Promise<boolean>;
  listActive(): Promise<Cooldown[]>;
}

export type AutomationStatus =
  | 'Pending'
  | 'InProgress'
  | 'Waiting'
  | 'Success'
  | 'TimedOut'
  | 'Cancelling'
  | 'Cancelled'
  | 'Failed'
  | 'CompletedWithSuccess'
  | 'CompletedWithFailure'
  | 'Scheduled'
  | 'RunbookInProgress'
  | 'PendingChangeCalendarOverride'
  | 'ChangeCalendarOverrideApproved'
  | 'ChangeCalendarOverrideRejected'
  | 'PendingApproval'
  | 'Approved'
  | 'Rejected'
  | 'Exited';

export interface AutomationExecution {
  executionId: string;
  status: AutomationStatus | string;
  outputs: Record<string, string[]>;
  failureMessage?: string;
}

/**
 * An executor call that failed for good. `transient`: its retries ran out on errors that say
 * nothing about the call (throttling, 5xx, no answer), so a start may or may not have happened;
 * otherwise the call itself was refused (validation, permissions) and did nothing.
 */
export class AutomationFailure extends Error {
  constructor(
    message: string,
    readonly transient: boolean,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** AWS Systems Manager Automation, or anything that behaves like it. */
export interface AutomationExecutor {
  /**
   * Starts an automation. `beforeAttempt` runs before each attempt, retries of transient errors
   * included; if it throws, nothing is sent and the start fails with that error.
   */
  start(
    request: { DocumentName: string; Parameters: Record<string, string[]>; ClientToken: string },
    options?: { beforeAttempt?: () => Promise<void> },
  ): Promise<string>;
  get(executionId: string): Promise<AutomationExecution>;
  /**
   * The execution started with this ClientToken, if SSM has one: how a start whose answer was lost
   * is found out (started, or not) before anything is called failed. Throws when SSM cannot say.
   */
  find(clientToken: string): Promise<string | undefined>;
  stop(executionId: string): Promise<void>;
}

/**
 * Slack request signatures seen lately, shared by every replica: a signed request captured in
 * transit and sent again inside Slack's 5-minute window is refused (a replayed `/kill-switch off`
 * or Escalate click does nothing). Slack's own retries carry a new timestamp, so a new signature.
 */
export interface ReplayStore {
  /** True the first time `signature` is seen before `until`; false when it was seen and has not expired. */
  firstSeen(signature: string, until: Date): Promise<boolean>;
}

/** What `/remediate` was asked, kept while its preview's Confirm button may be clicked. */
export interface RemediationDraft {
  runbookId: string;
  labels: Record<string, string>;
  /** Digest of the plan the preview showed: Confirm runs that plan or nothing. */
  digest: string;
}

/**
 * Drafts behind a short key: a Confirm button's value holds at most 2,000 characters, while the
 * labels typed after `/remediate` may be longer. Expired drafts are filtered on read.
 */
export interface RemediationDraftStore {
  /** Keeps the draft until `until`; returns the key to put on the button. */
  put(draft: RemediationDraft, until: Date): Promise<string>;
  /** The draft, unless unknown or expired. */
  get(key: string): Promise<RemediationDraft | undefined>;
}

/** Leases: one replica per scheduled tick (and per other singleton work). */
export interface LeaseStore {
  /** True when `owner` now holds `key` until `until`: nobody held it, or the holding lease expired. */
  acquire(key: string, owner: string, until: Date): Promise<boolean>;
}

/** One series of a PromQL result: its labels and its samples, `[epoch seconds, value]`, oldest first. */
export interface PromSeries {
  labels: Record<string, string>;
  points: [number, number][];
}

/**
 * Prometheus' HTTP query API (PROMETHEUS_URL): read-only. Throws with Prometheus' own error
 * (`bad_data: parse error…`, a timeout, an HTTP status) when a query cannot be answered.
 */
export interface PromQueryClient {
  /** An instant query at Prometheus' "now"; a scalar comes back as one series without labels. */
  instant(query: string): Promise<PromSeries[]>;
  range(query: string, range: { start: Date; end: Date; stepSeconds: number }): Promise<PromSeries[]>;
}

export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };
