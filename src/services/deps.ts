import type { Logger } from 'pino';
import type { Catalogue } from '../config/load-catalogue.js';
import type { AuditLog } from './audit-log.js';
import type { Metrics } from './metrics.js';
import type { Pager } from './pager.js';
import type { Workflow } from './workflow.js';
import type { AutomationExecutor, Clock, CooldownStore, IncidentStore, KillSwitchStore, PromQueryClient, ProposalStore, RateLimitStore } from './ports.js';

/** Everything a use case needs, passed in one object so tests pass fakes (no singletons). */
export interface ServiceDeps {
  incidents: IncidentStore;
  proposals: ProposalStore;
  killSwitches: KillSwitchStore;
  rateLimits: RateLimitStore;
  cooldowns: CooldownStore;
  audit: AuditLog;
  executor: AutomationExecutor;
  /** Whether escalations page, and who is on call (PagerDuty delivery sends the pages). */
  pager: Pager;
  catalogue: Catalogue;
  clock: Clock;
  log: Logger;
  metrics: Metrics;
  /** Where use cases report what happened; the coordinator decides what runs next. */
  workflow: Workflow;
  /** This process's identity among replicas sharing the store (claims, leases). */
  replicaId: string;
  /** DRY_RUN: record what would run, call nothing that changes state. */
  dryRun: boolean;
  /** SLACK_INCIDENT_CHANNEL, unless an alert names its own. */
  defaultChannel?: string;
  sleep: (ms: number) => Promise<void>;
  /** How long a guard may take to decide before it refuses (default GUARD_DECISION_MS). */
  guardTimeoutMs?: number;
  /** PROMETHEUS_URL: PromQL diagnostics and verify checks; unset, they are recorded as skipped. */
  prometheus?: PromQueryClient;
  /** Polling of SSM executions: first and longest interval. */
  pollIntervalMs?: { initial: number; max: number };
}
