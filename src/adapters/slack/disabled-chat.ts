import type { ChatPort } from '../../services/ports.js';

/**
 * The ChatPort used when Slack is not configured (no bot token): every call succeeds and does
 * nothing, so incidents, approvals by CLI and audit still work. `enabled: false` lets callers skip
 * work whose only purpose is a Slack message, and `ts: ''` marks "no message to update".
 */
export function createDisabledChat(): ChatPort {
  return {
    enabled: false,
    postMessage: async () => ({ ts: '' }),
    updateMessage: async () => {},
    postEphemeral: async () => {},
  };
}
