import { Hono } from 'hono';
import { z } from 'zod';
import { verifyChain } from '../../../core/audit.js';
import { searchAudit } from '../../../services/audit-search.js';
import type { ServiceDeps } from '../../../services/deps.js';
import type { AuditStore } from '../../../services/ports.js';
import type { OperatorVariables } from '../operator-auth.js';
import { badInput } from './bad-input.js';

const isoTime = z
  .string()
  .refine((s) => !Number.isNaN(Date.parse(s)), 'expected an ISO 8601 time such as 2026-01-01T00:00:00Z')
  .transform((s) => new Date(s).toISOString());

const auditQuery = z
  .object({
    kind: z.string().max(100).optional(),
    alertname: z.string().max(200).optional(),
    incident: z.string().max(40).optional(),
    since: isoTime.optional(),
    contains: z.string().max(200).optional(),
    n: z.coerce.number({ invalid_type_error: 'expected a number' }).int('expected a whole number').min(1).max(1000).optional(),
  })
  .strict();

const incidentQuery = z
  .object({
    status: z.enum(['open', 'acknowledged', 'mitigating', 'resolved'], { errorMap: () => ({ message: 'expected open, acknowledged, mitigating or resolved' }) }).optional(),
    service: z.string().max(200).optional(),
    severity: z.string().max(50).optional(),
    since: isoTime.optional(),
    limit: z.coerce.number({ invalid_type_error: 'expected a number' }).int('expected a whole number').min(1).max(500).optional(),
  })
  .strict();

const badQuery = (error: z.ZodError) => badInput(error, 'query');

/** `/api/*`: incidents with their timeline, the audit trail and its verification. */
export function operatorApiRoutes(deps: ServiceDeps, audit: AuditStore): Hono<{ Variables: OperatorVariables }> {
  const app = new Hono<{ Variables: OperatorVariables }>();

  app.get('/me', (c) => {
    const { id, display, authorities } = c.var.operator;
    const { engage, release } = deps.catalogue.policy.kill_switch;
    return c.json({ id, name: display, authorities, may: { engageKillSwitch: authorities.some((a) => engage.includes(a)), releaseKillSwitch: authorities.some((a) => release.includes(a)) } });
  });

  app.get('/incidents', async (c) => {
    const q = incidentQuery.safeParse(c.req.query());
    if (!q.success) return c.json(badQuery(q.error), 400);
    const { status, service, severity, since } = q.data;
    const limit = q.data.limit ?? 100;
    const narrowed = service !== undefined || severity !== undefined || since !== undefined;
    // Filters other than status apply to the newest 500, so a narrow filter still finds `limit`.
    const listed = await deps.incidents.list({ ...(status ? { status: [status] } : {}), limit: narrowed ? 500 : limit });
    const incidents = listed
      .filter((i) => (service === undefined || i.service === service) && (severity === undefined || i.severity === severity) && (since === undefined || Date.parse(i.openedAt) >= Date.parse(since)))
      .slice(0, limit);
    const withProposals = await Promise.all(incidents.map(async (incident) => ({ ...incident, proposals: await deps.proposals.listByIncident(incident.id) })));
    return c.json({ incidents: withProposals });
  });

  app.get('/incidents/:id', async (c) => {
    const id = c.req.param('id');
    const incident = await deps.incidents.get(id);
    if (!incident) return c.json({ error: `no incident ${id}` }, 404);
    const [proposals, timeline] = await Promise.all([deps.proposals.listByIncident(id), audit.chain(id)]);
    return c.json({ incident, proposals, timeline });
  });

  app.get('/audit', async (c) => {
    const q = auditQuery.safeParse(c.req.query());
    if (!q.success) return c.json(badQuery(q.error), 400);
    return c.json({ records: await searchAudit(audit, q.data) });
  });

  app.get('/audit/verify', async (c) => {
    const incident = c.req.query('incident');
    if (!incident) return c.json({ error: 'incident: required, e.g. /api/audit/verify?incident=INC-1', field: 'incident' }, 400);
    const chain = await audit.chain(incident);
    if (chain.length === 0) return c.json({ error: `no audit records for ${incident}` }, 404);
    return c.json({ incident, ...verifyChain(chain) });
  });

  return app;
}
