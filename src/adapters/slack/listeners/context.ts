import type { ServiceDeps } from '../../../services/deps.js';
import type { AuditStore } from '../../../services/ports.js';

/** What Slack listeners need: the services, and a way to learn a user's policy user groups. */
export interface SlackListenerContext {
  deps: ServiceDeps;
  usergroupsOf(userId: string): Promise<string[]>;
  /** The audit trail, for `/incident show`. */
  audit: Pick<AuditStore, 'chain'>;
}
