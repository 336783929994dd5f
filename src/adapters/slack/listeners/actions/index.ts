import type { App } from '@slack/bolt';
import { ACTION_IDS } from '../../blocks/proposal-message.js';
import { approveProposal, previewProposal, rejectProposal } from '../../../../services/decide-proposal.js';
import type { SlackListenerContext } from '../context.js';
import { decisionHandler } from './decision-handler.js';
import { acknowledgeButton } from './acknowledge.js';
import { escalateButton } from './escalate.js';
import { ROOT_ACTION_IDS } from '../../blocks/root-message.js';

/** Buttons on proposal messages (Approve, Reject, Dry run) and on the root message (Acknowledge, Escalate). */
export function register(app: App, ctx: SlackListenerContext): void {
  app.action(ACTION_IDS.approve, decisionHandler(ctx, approveProposal));
  app.action(ACTION_IDS.reject, decisionHandler(ctx, rejectProposal));
  app.action(ACTION_IDS.dryRun, decisionHandler(ctx, previewProposal));
  app.action(ROOT_ACTION_IDS.ack, acknowledgeButton(ctx));
  app.action(ROOT_ACTION_IDS.escalate, escalateButton(ctx));
}
