import type { AuditStore, ControlStore, CooldownStore, DeliveryStore, IncidentStore, KillSwitchStore, LeaseStore, ProposalStore, RateLimitStore, RemediationDraftStore, ReplayStore } from '../../services/ports.js';
import type { SnsSubscriptionStore } from '../ingest/sns-subscription-store.js';
import { createDynamoAuditStore } from './dynamo-audit-store.js';
import { createDynamoControlStore } from './dynamo-control-store.js';
import { createDynamoCooldownStore } from './dynamo-cooldown-store.js';
import { createDynamoDeliveryStore } from './dynamo-delivery-store.js';
import { createDynamoKillSwitchStore } from './dynamo-kill-switch-store.js';
import { createDynamoLeaseStore } from './dynamo-lease-store.js';
import { createDynamoRateLimitStore } from './dynamo-rate-limit-store.js';
import { createDynamoIncidentStore } from './dynamo-incident-store.js';
import { createDynamoProposalStore } from './dynamo-proposal-store.js';
import { createDynamoSnsSubscriptionStore } from './dynamo-sns-subscription-store.js';
import { createDynamoReplayStore } from './dynamo-replay-store.js';
import { createDynamoRemediationDraftStore } from './dynamo-remediation-draft-store.js';
import type { DynamoStoreOptions } from './store-options.js';

export { createDocumentClient, mapStoreError } from './dynamo-client.js';
export { startEmbeddedDynamo } from './embedded-dynamo.js';
export { DEFAULT_TABLE_PREFIX, ensureTables, tableDefinitions, tableNames } from './tables.js';
export type { DynamoStoreOptions } from './store-options.js';

export interface Stores {
  incidents: IncidentStore;
  proposals: ProposalStore;
  audit: AuditStore;
  controls: ControlStore;
  killSwitches: KillSwitchStore;
  rateLimits: RateLimitStore;
  cooldowns: CooldownStore;
  leases: LeaseStore;
  deliveries: DeliveryStore;
  snsSubscriptions: SnsSubscriptionStore;
  replays: ReplayStore;
  remediationDrafts: RemediationDraftStore;
}

/** Every store on one document client and table prefix: the same code on dynalite and on AWS. */
export function createDynamoStores(options: DynamoStoreOptions): Stores {
  return {
    incidents: createDynamoIncidentStore(options),
    proposals: createDynamoProposalStore(options),
    audit: createDynamoAuditStore(options),
    controls: createDynamoControlStore(options),
    killSwitches: createDynamoKillSwitchStore(options),
    rateLimits: createDynamoRateLimitStore(options),
    cooldowns: createDynamoCooldownStore(options),
    leases: createDynamoLeaseStore(options),
    deliveries: createDynamoDeliveryStore(options),
    snsSubscriptions: createDynamoSnsSubscriptionStore(options),
    replays: createDynamoReplayStore(options),
    remediationDrafts: createDynamoRemediationDraftStore(options),
  };
}
