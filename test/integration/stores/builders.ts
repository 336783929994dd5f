import type { AuditEntry } from '../../../src/core/audit.js';
import type { Incident } from '../../../src/core/incident.js';
import type { Proposal } from '../../../src/core/proposal.js';

export function anIncident(id: string, overrides: Partial<Incident> = {}): Incident {
  return {
    id,
    groupKey: `group-of-${id}`,
    status: 'open',
    title: 'ECS service api has no running tasks',
    severity: 'critical',
    service: 'api',
    source: 'alertmanager',
    alerts: {
      fp1: {
        fingerprint: 'fp1',
        name: 'EcsNoRunningTasks',
        status: 'firing',
        severity: 'critical',
        summary: 'no running tasks',
        source: 'alertmanager',
        labels: { alertname: 'EcsNoRunningTasks', service: 'api' },
        annotations: { summary: 'no running tasks' },
        startsAt: '2024-05-01T11:59:00.000Z',
        lastReceivedAt: '2024-05-01T12:00:00.000Z',
      },
    },
    openedAt: '2024-05-01T12:00:00.000Z',
    updatedAt: '2024-05-01T12:00:00.000Z',
    round: 0,
    version: 0,
    ...overrides,
  };
}

export function aProposal(id: string, overrides: Partial<Proposal> = {}): Proposal {
  return {
    id,
    incidentId: 'INC-1',
    round: 0,
    context: { labels: { cluster: 'prod', service: 'api' }, annotations: {} },
    plan: {
      runbookId: 'ecs-restart',
      runbookVersion: 1,
      title: 'Restart ECS service api',
      risk: 'medium',
      reversible: true,
      actionType: 'ecs:restart',
      service: 'api',
      target: 'arn:aws:ecs:us-east-1:123456789012:service/prod/api',
      action: { document: 'AWS-RestartEcsService', parameters: { Cluster: 'prod', Service: 'api' } },
      diagnostics: [],
      digest: 'd'.repeat(64),
    },
    status: 'pending_approval',
    requestedBy: 'automated',
    approvalsRequired: 1,
    approvals: [],
    createdAt: '2024-05-01T12:00:00.000Z',
    updatedAt: '2024-05-01T12:00:00.000Z',
    version: 0,
    ...overrides,
  };
}

export function anEntry(incidentId: string, stepKey: string, overrides: Partial<AuditEntry> = {}): AuditEntry {
  return {
    incidentId,
    kind: 'incident.opened',
    stepKey,
    trigger: 'alertmanager',
    outcome: 'SUCCESS',
    operator: 'automated',
    ...overrides,
  };
}
