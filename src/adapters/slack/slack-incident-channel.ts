import type { ChatPort } from '../../services/ports.js';
import type { IncidentChannel } from '../../services/incident-channel.js';
import { rootMessage } from './blocks/root-message.js';
import { proposalMessage } from './blocks/proposal-message.js';
import { stepMessage } from './blocks/step-message.js';

/** Renders incidents as a Slack root message and thread, through the per-channel outbox. */
export function createSlackIncidentChannel(chat: ChatPort): IncidentChannel {
  return {
    enabled: true,
    async postRoot(channel, view) {
      return (await chat.postMessage(channel, rootMessage(view))).ts;
    },
    async updateRoot(view) {
      const { channel, slackTs } = view.incident;
      if (channel && slackTs) await chat.updateMessage(channel, slackTs, rootMessage(view));
    },
    async postStep(view, record) {
      const { channel, slackTs } = view.incident;
      if (channel && slackTs) await chat.postMessage(channel, stepMessage(record), slackTs);
    },
    async postProposal(view, proposal, runbook) {
      const { channel, slackTs } = view.incident;
      if (!channel || !slackTs) return '';
      return (await chat.postMessage(channel, proposalMessage(view, proposal, runbook), slackTs)).ts;
    },
    async updateProposal(view, proposal, runbook) {
      const { channel } = view.incident;
      if (channel && proposal.messageTs) await chat.updateMessage(channel, proposal.messageTs, proposalMessage(view, proposal, runbook));
    },
    async notifyUser(channel, user, text, threadTs) {
      await chat.postEphemeral(channel, user, text, threadTs);
    },
    async announce(channel, text) {
      await chat.postMessage(channel, { text, blocks: [{ type: 'section', text: { type: 'mrkdwn', text } }] });
    },
  };
}
