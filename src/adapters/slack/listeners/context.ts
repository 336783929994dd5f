import type { ServiceDeps } from '../../../services/deps.js';
import type { AuditStore, RemediationDraftStore } from '../../../services/ports.js';

/** What Slack listeners need: the services, and a way to learn a user's policy user groups. */
export interface SlackListenerContext {
  deps: ServiceDeps;
  usergroupsOf(userId: string): Promise<string[]>;
  /**
   * Runs work that continues after the ack, tracked so shutdown waits for it and tests can wait for
   * it to settle; work with the same key runs one after another.
   */
  track(key: string, work: () => Promise<void>): Promise<void>;
  /** The audit trail, for `/incident show`. */
  audit: Pick<AuditStore, 'chain'>;
  /** What `/remediate` previews were asked, behind the short key their Confirm button carries. */
  drafts: RemediationDraftStore;
}
