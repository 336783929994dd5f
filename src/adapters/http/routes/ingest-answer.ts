import type { IncomingMessage } from 'node:http';
import { text } from 'node:stream/consumers';
import type { Context } from 'hono';
import type { Alert } from '../../../core/alert.js';
import type { ServiceDeps } from '../../../services/deps.js';
import { ingestAlerts } from '../../../services/ingest-alerts.js';

/**
 * The body's text. Read from the Node request itself when nothing has read it yet and its length
 * was declared (so the body limit has checked it, and Node reads exactly that many bytes): the Web
 * stream Hono would build over it costs more CPU than the rest of a one-alert webhook.
 */
async function bodyText(c: Context): Promise<string> {
  const incoming = (c.env as { incoming?: IncomingMessage } | undefined)?.incoming;
  if (incoming && !incoming.readableDidRead && c.req.header('content-length') !== undefined) return text(incoming);
  return c.req.text();
}

/**
 * The body as JSON, whatever its content type: SNS posts JSON as `text/plain; charset=UTF-8`.
 */
export async function readJson(c: Context): Promise<{ ok: true; value: unknown } | { ok: false }> {
  try {
    return { ok: true, value: JSON.parse(await bodyText(c)) };
  } catch {
    return { ok: false };
  }
}

/** Stores the alerts and answers 200 with the incidents they landed in; a store failure throws (503 at the edge). */
export async function storeAndAnswer(c: Context, deps: ServiceDeps, alerts: readonly Alert[]): Promise<Response> {
  const results = await ingestAlerts(deps, alerts);
  deps.metrics.alertsDelivered();
  const incidents = [...new Set(results.map((r) => r.incidentId).filter(Boolean))];
  return c.json({ accepted: alerts.length, incidents }, 200);
}
