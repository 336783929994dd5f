import { scopeCovers } from '../core/commands/kill-switch-command.js';
import type { Operator } from '../core/policy/authority.js';
import type { ServiceDeps } from './deps.js';
import { occurrenceKey } from './occurrence-key.js';
import type { KillSwitch } from './ports.js';
import type { Proposal } from '../core/proposal.js';

/** Audit partition for controls that belong to no incident (kill switches). */
export const CONTROLS_AUDIT = 'CONTROLS';

export interface KillSwitchReply {
  ok: boolean;
  message: string;
  /** The switch as stored (absent when refused). */
  stored?: KillSwitch;
  /** What the caller lacks, when refused: the authorities that would have been allowed. */
  needs?: readonly string[];
  /** Executions stopped by --abort-running: runs after the reply, since stopping takes a while. */
  abort?: () => Promise<AbortSummary>;
}

/** One running action that `abort_running` asked SSM to stop. */
export interface AbortedAction {
  incidentId: string;
  proposalId: string;
  runbook: string;
  target: string;
  executionId: string;
  stopped: boolean;
  error?: string;
}

export interface AbortSummary {
  actions: AbortedAction[];
  /** The same, as lines for Slack. */
  message: string;
}

/** `/kill-switch status`: every engaged switch (the Slack adapter renders them). */
export async function killSwitchStatus(deps: Pick<ServiceDeps, 'killSwitches'>): Promise<KillSwitch[]> {
  return deps.killSwitches.listEngaged();
}

/**
 * Engages or releases a switch, for a Slack user or an API operator alike. Who may do which comes
 * from policy.yaml (`kill_switch.engage`, `kill_switch.release`); every change and every refusal is
 * audited and announced.
 */
export async function setKillSwitch(
  deps: ServiceDeps,
  operator: Operator,
  command: { op: 'on' | 'off'; scope: string; reason: string; abortRunning: boolean },
): Promise<KillSwitchReply> {
  const { policy } = deps.catalogue;
  const allowed = command.op === 'on' ? policy.kill_switch.engage : policy.kill_switch.release;
  const authority = operator.authorities.find((a) => allowed.includes(a));
  const at = deps.clock.now().toISOString();
  const base = { incidentId: CONTROLS_AUDIT, trigger: operator.via, operator: operator.id, action: `kill-switch ${command.op}`, targetResource: command.scope };
  if (!authority) {
    deps.metrics.guardRefused('kill_switch_permission');
    const held = operator.authorities.length > 0 ? `holds only ${operator.authorities.join(', ')}` : 'holds no authority';
    await deps.audit.record({ ...base, kind: 'killswitch.refused', stepKey: `killswitch-refused:${operator.id}:${occurrenceKey(deps)}`, outcome: 'FAILURE', details: { op: command.op, reason: `not in ${allowed.join(', ')}`, held: operator.authorities } });
    return { ok: false, needs: allowed, message: `Refused: turning kill switches ${command.op} needs one of ${allowed.join(', ')}; ${operator.via === 'slack' ? 'you hold none of them' : `this caller ${held}`}.` };
  }
  const stored: KillSwitch = { scope: command.scope, engaged: command.op === 'on', by: operator.id, authority, at, ...(command.reason ? { reason: command.reason } : {}) };
  await deps.killSwitches.set(stored);
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
      // `by` and `via`: what the channel announcement says of who did it.
      details: { scope: command.scope, reason: command.reason, abortRunning: command.abortRunning, by: operator.display, via: operator.via },
    });
  } catch (err) {
    deps.log.error({ err, scope: command.scope, op: command.op }, 'kill switch changed but its audit record could not be written');
    auditProblem = ' (the audit record could not be written: the store did not answer)';
  }
  // The channel hears of it from the audit record (Slack delivery announces killswitch.* records).
  deps.log.warn({ scope: command.scope, op: command.op, by: operator.id, via: operator.via }, 'kill switch changed');
  const reply: KillSwitchReply = {
    ok: true,
    stored,
    message: `Kill switch \`${command.scope}\` is ${command.op === 'on' ? 'engaged: no new action in that scope will start' : 'released'}.${auditProblem}`,
  };
  if (command.abortRunning) reply.abort = () => abortRunning(deps, operator, command.scope, authority);
  return reply;
}

/** --abort-running: StopAutomationExecution for every running action in scope; says which. */
/**
 * How long after its first look `abort_running` looks again for running actions. They are listed
 * from the proposals' status index, which follows the items shortly after each write (a DynamoDB
 * global secondary index is eventually consistent): an action being updated at that moment, or
 * whose start SSM answered just then, is in the second look.
 */
const ABORT_SECOND_LOOK_MS = 1000;

async function abortRunning(deps: ServiceDeps, operator: Operator, scope: string, authority: string): Promise<AbortSummary> {
  const listed = new Map<string, Proposal>();
  const look = async () => {
    for (const p of await deps.proposals.listByStatus(['running'])) if (scopeCovers(scope, p.plan)) listed.set(p.id, p);
  };
  await look();
  await deps.sleep(ABORT_SECOND_LOOK_MS);
  await look();
  const lines: string[] = [];
  const actions: AbortedAction[] = [];
  for (const entry of listed.values()) {
    // The item itself (a consistent read): still running, and the execution it runs now.
    const p = (await deps.proposals.get(entry.id)) ?? entry;
    if (p.status !== 'running' || !p.executionId) continue;
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
      operator: operator.id,
      authority,
      runbook: p.plan.runbookId,
      targetResource: p.plan.target,
      executionId: p.executionId,
      details: { scope, error },
    });
    actions.push({ incidentId: p.incidentId, proposalId: p.id, runbook: p.plan.runbookId, target: p.plan.target, executionId: p.executionId, stopped: !error, ...(error ? { error } : {}) });
    lines.push(`• ${p.incidentId}: \`${p.plan.runbookId}\` on \`${p.plan.target}\` (execution \`${p.executionId}\`)${error ? `: could not stop: ${error}` : ': stop requested'}`);
  }
  const message = lines.length === 0 ? `No running action in \`${scope}\` to stop.` : `Stopping ${lines.length} running action(s) in \`${scope}\`:\n${lines.join('\n')}`;
  return { actions, message };
}
