import type { ChatPort } from '../../services/ports.js';
import type { IncidentChannel } from '../../services/incident-channel.js';
import { rootMessage } from './blocks/root-message.js';
import { proposalMessage } from './blocks/proposal-message.js';
import { stepMessage } from './blocks/step-message.js';
import { announcementMessage } from './blocks/announcement.js';

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
    async announce(channel, announcement) {
      await chat.postMessage(channel, announcementMessage(announcement));
    },
  };
}
