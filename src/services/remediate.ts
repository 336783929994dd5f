import { MANUAL_PREFIX } from '../core/alert.js';
import type { Alert } from '../core/alert.js';
import { authorityFor } from '../core/policy/authority.js';
import type { Actor } from '../core/policy/authority.js';
import { deterministicUuid } from '../core/proposal.js';
import type { Proposal } from '../core/proposal.js';
import { renderPlan } from '../core/runbooks/plan.js';
import type { Plan } from '../core/runbooks/plan.js';
import type { ServiceDeps } from './deps.js';
import { recordAlert } from './ingest-alerts.js';
import { requiredApprovals } from './plan-check.js';
import { beginExecution } from './execute-proposal.js';
import { recordApprovalRequested, recordProposalCreated } from './proposal-records.js';
import { CONTROLS_AUDIT } from './kill-switch.js';
import { occurrenceKey } from './occurrence-key.js';

export type PlanPreview = { ok: true; plan: Plan } | { ok: false; message: string };

/** Renders `/remediate` input; an unknown runbook or a bad value is named. Runs nothing. */
export function previewRemediation(deps: ServiceDeps, runbookId: string, labels: Record<string, string>): PlanPreview {
  const runbook = deps.catalogue.byId.get(runbookId);
  if (!runbook) return { ok: false, message: `Unknown runbook \`${runbookId}\`. Known: ${[...deps.catalogue.byId.keys()].map((k) => `\`${k}\``).join(', ')}.` };
  const rendered = renderPlan(runbook, { labels, annotations: {} });
  if (!rendered.ok) return { ok: false, message: `Cannot run \`${runbookId}\`: ${rendered.reason}. Nothing was run.` };
  return { ok: true, plan: rendered.plan };
}

const IN_FLIGHT = new Set(['diagnosing', 'pending_approval', 'approved', 'running']);

/**
 * A confirmed `/remediate`: opens (or joins) the manual incident for this runbook and target,
 * proposes the plan with the caller as requester, and sends it through the same approvals and
 * guards as an automatic run. A repeat while the first is in flight or within its cooldown is
 * recognised and answered, not run again.
 */
export async function requestRemediation(deps: ServiceDeps, actor: Actor, runbookId: string, labels: Record<string, string>): Promise<{ ok: boolean; message: string }> {
  const preview = previewRemediation(deps, runbookId, labels);
  if (!preview.ok) return preview;
  const { plan } = preview;
  const { policy } = deps.catalogue;
  const authority = authorityFor(policy, actor, Object.keys(policy.authorities));
  const now = deps.clock.now();
  if (!authority) {
    deps.metrics.guardRefused('no_authority');
    await deps.audit.record({
      incidentId: CONTROLS_AUDIT,
      kind: 'remediate.refused',
      stepKey: `remediate-refused:${actor.userId}:${occurrenceKey(deps)}`,
      trigger: 'slack',
      outcome: 'FAILURE',
      operator: actor.userId,
      runbook: plan.runbookId,
      targetResource: plan.target,
      details: { reason: 'holds no authority in the policy', labels },
    });
    return { ok: false, message: `Refused: <@${actor.userId}> holds no authority in the policy, so cannot request remediations.` };
  }
  const key = `${MANUAL_PREFIX}${plan.runbookId}:${plan.target}`;
  const alert: Alert = {
    source: 'generic',
    groupKey: key,
    fingerprint: key,
    name: `remediate ${plan.runbookId}`,
    status: 'firing',
    severity: 'info',
    service: plan.service,
    resource: plan.target,
    summary: `Manual remediation: ${plan.title} on ${plan.target}`,
    labels,
    annotations: {},
    startsAt: now.toISOString(),
  };
  const { incidentId } = await recordAlert(deps, alert);
  const incident = await deps.incidents.get(incidentId);
  if (!incident) return { ok: false, message: 'Could not open the remediation incident; nothing was run.' };

  const earlier = (await deps.proposals.listByIncident(incidentId)).filter((p) => p.plan.runbookId === plan.runbookId && p.plan.target === plan.target && !p.rollbackOf);
  const inFlight = earlier.find((p) => IN_FLIGHT.has(p.status));
  if (inFlight) return { ok: false, message: `Already requested in ${incidentId}: \`${plan.runbookId}\` on \`${plan.target}\` is ${inFlight.status.replace('_', ' ')}. Not run twice.` };
  const recent = earlier.find((p) => p.status === 'succeeded' && plan.cooldownMs && p.finishedAt && Date.parse(p.finishedAt) + plan.cooldownMs > now.getTime());
  if (recent) return { ok: false, message: `\`${plan.runbookId}\` ran on \`${plan.target}\` at ${recent.finishedAt} (${incidentId}); its cooldown has not passed. Not run twice.` };

  const required = requiredApprovals(deps, plan, {});
  const proposal: Proposal = {
    id: deterministicUuid('remediate', incidentId, plan.runbookId, plan.target, String(earlier.length)),
    incidentId,
    round: incident.round,
    plan,
    status: required === 0 ? 'approved' : 'pending_approval',
    requestedBy: actor.userId,
    requesterAuthority: authority,
    context: { labels, annotations: {} },
    approvalsRequired: required,
    approvals: [],
    createdAt: now.toISOString(),
    updatedAt: now.toISOString(),
    version: 0,
  };
  if (required > 0) proposal.pendingSince = now.toISOString();
  const { created } = await deps.proposals.createIfAbsent(proposal);
  if (!created) return { ok: false, message: `Already requested in ${incidentId}. Not run twice.` };
  await recordProposalCreated(deps, proposal, { trigger: 'manual', operator: actor.userId, authority, details: { command: `/remediate ${runbookId}` } });
  if (required > 0) await recordApprovalRequested(deps, proposal, 'manual');
  if (required > 0) return { ok: true, message: `Requested in ${incidentId}: \`${plan.runbookId}\` on \`${plan.target}\` needs ${required} approval(s) from ${policy.risk[plan.risk].approvers.join(', ') || 'an approver'}.` };
  const begun = await beginExecution(deps, proposal.id);
  if (begun.outcome === 'started') {
    deps.workflow.executionStarted(proposal.id);
    return { ok: true, message: `Running \`${plan.runbookId}\` on \`${plan.target}\` (${incidentId}); progress follows in its thread.` };
  }
  if (begun.outcome === 'dry_run') return { ok: true, message: `DRY_RUN is on: recorded what \`${plan.runbookId}\` would send (${incidentId}); nothing was executed.` };
  if (begun.outcome === 'refused') return { ok: false, message: `Not run: ${begun.reason}.` };
  return { ok: false, message: `\`${plan.runbookId}\` is ${begun.status}.` };
}
