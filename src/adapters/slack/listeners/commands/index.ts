import type { App } from '@slack/bolt';
import { REMEDIATE_CONFIRM } from '../../blocks/remediate-preview.js';
import type { SlackListenerContext } from '../context.js';
import { incidentCommand } from './incident.js';
import { killSwitchCommand } from './kill-switch.js';
import { onCallCommand } from './oncall.js';
import { remediateCommand, remediateConfirm } from './remediate.js';

/** Slash commands (DESIGN §2.4). */
export function register(app: App, ctx: SlackListenerContext): void {
  app.command('/kill-switch', killSwitchCommand(ctx));
  app.command('/remediate', remediateCommand(ctx));
  app.command('/oncall', onCallCommand(ctx));
  app.command('/incident', incidentCommand(ctx));
  app.action(REMEDIATE_CONFIRM, remediateConfirm(ctx));
}
