import type { ServiceDeps } from '../../../services/deps.js';
import type { AuditStore } from '../../../services/ports.js';

/** What Slack listeners need: the services, and a way to learn a user's policy user groups. */
export interface SlackListenerContext {
  deps: ServiceDeps;
  usergroupsOf(userId: string): Promise<string[]>;
  /**
   * Runs work that continues after the ack, tracked so shutdown waits for it and tests can wait for
   * it to settle; work with the same key runs one after another.
   */
  track(key: string, work: () => Promise<void>): Promise<void>;
  /** An ephemeral reply to the person who clicked or typed (only they see it). */
  notifyUser(channel: string, user: string, text: string, threadTs?: string): Promise<void>;
  /** The audit trail, for `/incident show`. */
  audit: Pick<AuditStore, 'chain'>;
}
