import type { ServiceDeps } from '../../../services/deps.js';
import type { AuditStore, RemediationDraftStore } from '../../../services/ports.js';

/** What Slack listeners need: the services, and a way to learn a user's policy user groups. */
export interface SlackListenerContext {
  deps: ServiceDeps;
  usergroupsOf(userId: string): Promise<string[]>;
  /** The audit trail, for `/incident show`. */
  audit: Pick<AuditStore, 'chain'>;
  /** What `/remediate` previews were asked, behind the short key their Confirm button carries. */
  drafts: RemediationDraftStore;
}
