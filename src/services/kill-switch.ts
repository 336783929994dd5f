import { scopeCovers } from '../core/commands/kill-switch-command.js';
import { authorityFor } from '../core/policy/authority.js';
import type { Actor } from '../core/policy/authority.js';
import type { ServiceDeps } from './deps.js';
import { occurrenceKey } from './occurrence-key.js';
import type { Announcement } from './incident-channel.js';
import type { KillSwitch } from './ports.js';

/** Audit partition for controls that belong to no incident (kill switches). */
export const CONTROLS_AUDIT = 'CONTROLS';

export interface KillSwitchReply {
  ok: boolean;
  message: string;
  /** Executions stopped by --abort-running: runs after the reply, since stopping takes a while. */
  abort?: () => Promise<string>;
}

/** `/kill-switch status`: every engaged switch (the Slack adapter renders them). */
export async function killSwitchStatus(deps: Pick<ServiceDeps, 'killSwitches'>): Promise<KillSwitch[]> {
  return deps.killSwitches.listEngaged();
}

/**
 * Engages or releases a switch. Who may do which comes from policy.yaml (`kill_switch.engage`,
 * `kill_switch.release`); every change and every refusal is audited and announced.
 */
export async function setKillSwitch(
  deps: ServiceDeps,
  actor: Actor,
  command: { op: 'on' | 'off'; scope: string; reason: string; abortRunning: boolean },
): Promise<KillSwitchReply> {
  const { policy } = deps.catalogue;
  const allowed = command.op === 'on' ? policy.kill_switch.engage : policy.kill_switch.release;
  const authority = authorityFor(policy, actor, allowed);
  const at = deps.clock.now().toISOString();
  const base = { incidentId: CONTROLS_AUDIT, trigger: 'slack', operator: actor.userId, action: `kill-switch ${command.op}`, targetResource: command.scope };
  if (!authority) {
    deps.metrics.guardRefused('kill_switch_permission');
    await deps.audit.record({ ...base, kind: 'killswitch.refused', stepKey: `killswitch-refused:${actor.userId}:${occurrenceKey(deps)}`, outcome: 'FAILURE', details: { op: command.op, reason: `not in ${allowed.join(', ')}` } });
    return { ok: false, message: `Refused: turning kill switches ${command.op} needs one of ${allowed.join(', ')}.` };
  }
  await deps.killSwitches.set({ scope: command.scope, engaged: command.op === 'on', by: actor.userId, authority, at, ...(command.reason ? { reason: command.reason } : {}) });
  // The switch is set: whatever happens next, the reply must say so (an operator who releases a
  // switch and is told "nothing changed" would believe actions are still stopped).
  let auditProblem = '';
  try {
    await deps.audit.record({
      ...base,
      kind: command.op === 'on' ? 'killswitch.engaged' : 'killswitch.released',
      stepKey: `killswitch:${command.scope}:${command.op}:${at}`,
      outcome: 'SUCCESS',
      authority,
      details: { scope: command.scope, reason: command.reason, abortRunning: command.abortRunning },
    });
  } catch (err) {
    deps.log.error({ err, scope: command.scope, op: command.op }, 'kill switch changed but its audit record could not be written');
    auditProblem = ' (the audit record could not be written: the store did not answer)';
  }
  const announcement: Announcement = { kind: 'kill_switch', scope: command.scope, engaged: command.op === 'on', by: actor.userId, ...(command.reason ? { reason: command.reason } : {}) };
  if (deps.defaultChannel) void deps.channel.announce(deps.defaultChannel, announcement).catch((err: unknown) => deps.log.warn({ err }, 'could not announce the kill switch'));
  deps.log.warn({ scope: command.scope, op: command.op, by: actor.userId }, 'kill switch changed');
  const reply: KillSwitchReply = {
    ok: true,
    message: `Kill switch \`${command.scope}\` is ${command.op === 'on' ? 'engaged: no new action in that scope will start' : 'released'}.${auditProblem}`,
  };
  if (command.abortRunning) reply.abort = () => abortRunning(deps, actor, command.scope, authority);
  return reply;
}

/** --abort-running: StopAutomationExecution for every running action in scope; says which. */
async function abortRunning(deps: ServiceDeps, actor: Actor, scope: string, authority: string): Promise<string> {
  const running = (await deps.proposals.listByStatus(['running'])).filter((p) => scopeCovers(scope, p.plan));
  const lines: string[] = [];
  for (const p of running) {
    if (!p.executionId) continue;
    let outcome: 'SUCCESS' | 'FAILURE' = 'SUCCESS';
    let error: string | undefined;
    try {
      await deps.executor.stop(p.executionId);
    } catch (err) {
      outcome = 'FAILURE';
      error = (err as Error).message;
    }
    await deps.audit.record({
      incidentId: p.incidentId,
      kind: 'action.aborted',
      stepKey: `aborted:${p.id}`,
      trigger: 'kill-switch',
      outcome,
      operator: actor.userId,
      authority,
      runbook: p.plan.runbookId,
      targetResource: p.plan.target,
      executionId: p.executionId,
      details: { scope, error },
    });
    lines.push(`• ${p.incidentId}: \`${p.plan.runbookId}\` on \`${p.plan.target}\` (execution \`${p.executionId}\`)${error ? `: could not stop: ${error}` : ': stop requested'}`);
  }
  return lines.length === 0 ? `No running action in \`${scope}\` to stop.` : `Stopping ${lines.length} running action(s) in \`${scope}\`:\n${lines.join('\n')}`;
}
