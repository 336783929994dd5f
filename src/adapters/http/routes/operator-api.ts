import { Hono } from 'hono';
import { streamSSE } from 'hono/streaming';
import { z } from 'zod';
import { verifyChain } from '../../../core/audit.js';
import type { AuditRecord } from '../../../core/audit.js';
import type { ServiceDeps } from '../../../services/deps.js';
import type { AuditStore } from '../../../services/ports.js';

const auditQuery = z
  .object({
    kind: z.string().max(100).optional(),
    alertname: z.string().max(200).optional(),
    incident: z.string().max(40).optional(),
    since: z
      .string()
      .refine((s) => !Number.isNaN(Date.parse(s)), 'expected an ISO 8601 time such as 2026-01-01T00:00:00Z')
      .transform((s) => new Date(s).toISOString())
      .optional(),
    contains: z.string().max(200).optional(),
    n: z.coerce.number({ invalid_type_error: 'expected a number' }).int('expected a whole number').min(1).max(1000).optional(),
  })
  .strict();

const incidentQuery = z
  .object({ status: z.enum(['open', 'acknowledged', 'mitigating', 'resolved']).optional(), limit: z.coerce.number().int().min(1).max(500).optional() })
  .strict();

function badQuery(error: z.ZodError): { error: string; field: string } {
  const issue = error.issues[0];
  const field = issue?.path.join('.') || 'query';
  return { error: `${field}: ${issue?.message ?? 'invalid'}`, field };
}

/** `/api/*`: incidents with their timeline, the audit trail, its verification and the live stream. */
export function operatorApiRoutes(deps: ServiceDeps, audit: AuditStore): Hono {
  const app = new Hono();

  app.get('/incidents', async (c) => {
    const q = incidentQuery.safeParse(c.req.query());
    if (!q.success) return c.json(badQuery(q.error), 400);
    const filter: { status?: ['open' | 'acknowledged' | 'mitigating' | 'resolved']; limit?: number } = {};
    if (q.data.status) filter.status = [q.data.status];
    if (q.data.limit) filter.limit = q.data.limit;
    const incidents = await deps.incidents.list(filter);
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
    return c.json({ records: await audit.query(q.data) });
  });

  app.get('/audit/verify', async (c) => {
    const incident = c.req.query('incident');
    if (!incident) return c.json({ error: 'incident: required, e.g. /api/audit/verify?incident=INC-1', field: 'incident' }, 400);
    const chain = await audit.chain(incident);
    if (chain.length === 0) return c.json({ error: `no audit records for ${incident}` }, 404);
    return c.json({ incident, ...verifyChain(chain) });
  });

  app.get('/events', (c) =>
    streamSSE(c, async (stream) => {
      const queue: AuditRecord[] = [];
      let wake: (() => void) | undefined;
      const unsubscribe = deps.audit.subscribe((record) => {
        queue.push(record);
        wake?.();
      });
      stream.onAbort(unsubscribe);
      await stream.writeSSE({ event: 'ready', data: '{}' });
      while (!stream.aborted) {
        const next = queue.shift();
        if (next) {
          await stream.writeSSE({ event: 'audit', id: `${next.incidentId}:${next.seq}`, data: JSON.stringify(next) });
          continue;
        }
        // Wait for a record, or send a comment every 15 s so proxies keep the stream open.
        await new Promise<void>((resolve) => {
          wake = resolve;
          setTimeout(resolve, 15_000).unref();
        });
        wake = undefined;
        if (queue.length === 0 && !stream.aborted) await stream.write(': keep-alive\n\n');
      }
      unsubscribe();
    }),
  );

  return app;
}
