import { firingAlerts, isCompactAlert } from '../core/incident.js';
import type { Incident } from '../core/incident.js';
import { matchingRunbooks } from '../core/runbooks/match.js';
import { renderPlan } from '../core/runbooks/plan.js';
import { approvalsRequired } from '../core/policy/approval.js';
import { proposalId } from '../core/proposal.js';
import type { Proposal } from '../core/proposal.js';
import type { ServiceDeps } from './deps.js';
import { MANUAL_PREFIX, SCHEDULE_PREFIX } from '../core/alert.js';
import { auditLifecycle } from './lifecycle-records.js';
import { foldRecordedAlerts } from './recorded-alerts.js';
import { escalate, isCritical } from './escalate.js';
import { completeResolution } from './resolution.js';
import { recordProposalCreated } from './proposal-records.js';

/**
 * Brings an incident up to date: its item with the alerts its trail holds, its lifecycle audit,
 * one proposal per (runbook, target) for its firing alerts, and once it resolved, the withdrawals
 * and the summary. Idempotent, so it is safe after a redelivery, a crash or a restart.
 */
export async function processIncident(deps: ServiceDeps, incidentId: string): Promise<void> {
  const incident = await foldRecordedAlerts(deps, incidentId);
  if (!incident) return;
  await auditLifecycle(deps, incident);
  if (incident.status === 'resolved') {
    await completeResolution(deps, incident);
  } else {
    await proposeRunbooks(deps, incident);
  }
}

async function proposeRunbooks(deps: ServiceDeps, incident: Incident): Promise<void> {
  const { runbooks, policy } = deps.catalogue;
  // At most one read of the incident's proposals instead of a conditional create per alert on
  // every pass (an alert storm re-runs this), and none when this process knows them all.
  let existing: Set<string> | undefined;
  const exists = async (id: string) => {
    if (deps.proposals.knownToExist(id)) return true;
    existing ??= new Set((await deps.proposals.listByIncident(incident.id)).map((p) => p.id));
    return existing.has(id);
  };
  for (const alert of firingAlerts(incident)) {
    // A /remediate request or a scheduled run carries its own proposals; it is not matched against the catalogue.
    if (alert.fingerprint.startsWith(MANUAL_PREFIX) || alert.fingerprint.startsWith(SCHEDULE_PREFIX)) continue;
    // Kept without labels (the incident grew large): nothing to match a runbook on.
    if (isCompactAlert(alert)) continue;
    const matches = matchingRunbooks(runbooks, { name: alert.name, source: alert.source, labels: alert.labels });
    if (matches.length === 0) {
      await deps.audit.record({
        incidentId: incident.id,
        kind: 'runbook.none',
        stepKey: `nomatch:${incident.round}:${alert.fingerprint}`,
        trigger: alert.source,
        outcome: 'SKIPPED',
        operator: 'automated',
        alertname: alert.name,
        details: { reason: `no runbook matches alert ${alert.name}` },
      });
      if (isCritical(incident)) await escalate(deps, incident, 'no_runbook', { key: alert.fingerprint, detail: alert.name });
      continue;
    }
    for (const runbook of matches) {
      const result = renderPlan(runbook, { labels: alert.labels, annotations: alert.annotations });
      if (!result.ok) {
        await deps.audit.record({
          incidentId: incident.id,
          kind: 'proposal.invalid',
          stepKey: `invalid:${incident.round}:${runbook.id}:${alert.fingerprint}`,
          trigger: alert.source,
          outcome: 'FAILURE',
          operator: 'automated',
          alertname: alert.name,
          runbook: runbook.id,
          details: { parameter: result.parameter, reason: result.reason },
        });
        continue;
      }
      const { plan } = result;
      if (await exists(proposalId(incident.id, incident.round, plan.runbookId, plan.target))) continue;
      const now = deps.clock.now().toISOString();
      const proposal: Proposal = {
        id: proposalId(incident.id, incident.round, plan.runbookId, plan.target),
        incidentId: incident.id,
        round: incident.round,
        plan,
        status: 'diagnosing',
        requestedBy: 'automated',
        context: { labels: alert.labels, annotations: alert.annotations },
        approvalsRequired: approvalsRequired(policy, plan),
        approvals: [],
        createdAt: now,
        updatedAt: now,
        version: 0,
      };
      const { created } = await deps.proposals.createIfAbsent(proposal);
      if (created) {
        await recordProposalCreated(deps, proposal, { trigger: alert.source, alertname: alert.name });
        if (runbook.page) await escalate(deps, incident, 'runbook_pages', { key: proposal.id, detail: `${plan.runbookId} on ${plan.target}` });
        deps.workflow.proposalReady(proposal.id);
      }
    }
  }
}
