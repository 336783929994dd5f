import type { ChatPort } from '../../services/ports.js';

/**
 * The same ChatPort, telling `onFailure` of every call that failed for good (the outbox has done
 * its retries by then), so a Slack outage shows in chatops_slack_delivery_failures_total.
 */
export function countDeliveryFailures(chat: ChatPort, onFailure: (method: string) => void): ChatPort {
  const counted = <T>(method: string, call: Promise<T>): Promise<T> =>
    call.catch((err: unknown) => {
      onFailure(method);
      throw err;
    });
  return {
    enabled: chat.enabled,
    postMessage: (channel, message, threadTs) => counted('chat.postMessage', chat.postMessage(channel, message, threadTs)),
    updateMessage: (channel, ts, message) => counted('chat.update', chat.updateMessage(channel, ts, message)),
    postEphemeral: (channel, user, text, threadTs) => counted('chat.postEphemeral', chat.postEphemeral(channel, user, text, threadTs)),
  };
}
