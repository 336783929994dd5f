import { firingAlerts } from '../core/incident.js';
import type { ServiceDeps } from './deps.js';

/** `/incident list`: unresolved incidents, newest first. */
export async function listOpenIncidents(deps: ServiceDeps, limit = 20): Promise<string> {
  const open = await deps.incidents.list({ status: ['open', 'acknowledged', 'mitigating'], limit });
  if (open.length === 0) return 'No open incidents.';
  return open.map((i) => `• *${i.id}* [${i.status}] ${i.severity}: ${i.title} (${firingAlerts(i).length} firing, opened ${i.openedAt})`).join('\n');
}

/** `/incident show <id>`: the incident, its runbooks and its latest steps. */
export async function showIncident(deps: ServiceDeps, id: string, audit: { chain(id: string): Promise<{ seq: number; kind: string; timestamp: string; operator: string; outcome: string }[]> }): Promise<string> {
  const incident = await deps.incidents.get(id);
  if (!incident) return `No incident ${id}.`;
  const proposals = await deps.proposals.listByIncident(id);
  const steps = (await audit.chain(id)).slice(-10);
  const lines = [
    `*${incident.id}* [${incident.status}] ${incident.severity}: ${incident.title}`,
    `Service: ${incident.service ?? '—'} · opened ${incident.openedAt}${incident.acknowledgedAt ? ` · acknowledged by <@${incident.acknowledgedBy ?? ''}>` : ''}${incident.resolvedAt ? ` · resolved ${incident.resolvedAt}` : ''}`,
    `Alerts: ${Object.values(incident.alerts).map((a) => `${a.name} (${a.status})`).join(', ')}`,
    proposals.length ? `Runbooks:\n${proposals.map((p) => `• \`${p.plan.runbookId}\` on \`${p.plan.target}\`: ${p.status}`).join('\n')}` : 'Runbooks: none',
    `Latest steps:\n${steps.map((s) => `#${s.seq} ${s.timestamp} ${s.kind} ${s.outcome} (${s.operator})`).join('\n')}`,
  ];
  return lines.join('\n');
}
