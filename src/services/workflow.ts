/**
 * The workflow port: use cases report what happened, and the one coordinator behind this port
 * decides what runs next (which work, in which order per incident or proposal, how many at once).
 * Use cases never schedule each other; they call one of these and return. Every method returns at
 * once: the work it leads to runs in the background, after the caller's answer (a webhook's 200,
 * a Slack ack).
 */
export interface Workflow {
  /** An incident's alerts or status changed: propose, withdraw, resolve as its state now says. */
  incidentChanged(incidentId: string): void;
  /** A proposal can move forward: it was created, or work on it stalled or was interrupted. */
  proposalReady(proposalId: string): void;
  /** A proposal's run was claimed (status `running`): start it in SSM if needed, and follow it. */
  executionStarted(proposalId: string): void;
  /** A run ended (succeeded, failed, refused at the last moment): mitigation, rollback, paging. */
  executionFinished(proposal: { id: string; incidentId: string }): void;
  /**
   * A succeeded action's `verify` check may have no verdict yet (its checks were cut short by a
   * restart): check it until it has one. Nothing happens when it has one or needs none.
   */
  verificationPending(proposalId: string): void;
  /**
   * Alerts are being stored (a webhook is in flight); call the returned function when they are.
   * Storing alerts comes first: while they arrive, background work takes a smaller share.
   */
  alertsArriving(): () => void;
}
