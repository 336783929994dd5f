import { Hono } from 'hono';
import { z } from 'zod';
import { KILL_SWITCH_SCOPE } from '../../../core/commands/kill-switch-command.js';
import type { ServiceDeps } from '../../../services/deps.js';
import { setKillSwitch } from '../../../services/kill-switch.js';
import type { OperatorVariables } from '../operator-auth.js';
import { readJson } from './ingest-answer.js';
import { badInput } from './bad-input.js';

const killSwitchRequest = z
  .object({
    scope: z.string({ required_error: 'required: global, service:<name> or action:<type>' }).regex(KILL_SWITCH_SCOPE, 'expected global, service:<name> or action:<type>'),
    state: z.enum(['on', 'off'], { errorMap: () => ({ message: 'expected "on" or "off"' }) }),
    reason: z.string({ required_error: 'required: say why, for the audit trail and the channel' }).trim().min(1, 'required: say why, for the audit trail and the channel').max(500, 'expected at most 500 characters'),
    abort_running: z.boolean({ invalid_type_error: 'expected true or false' }).optional(),
  })
  .strict()
  .refine((r) => !(r.abort_running && r.state === 'off'), { message: 'only goes with "state": "on"', path: ['abort_running'] });

/**
 * `/api/kill-switches`: the same switches, policy, audit records and announcement as `/kill-switch`
 * in Slack, so automation can be stopped when Slack itself is down.
 */
export function killSwitchApiRoutes(deps: ServiceDeps): Hono<{ Variables: OperatorVariables }> {
  const app = new Hono<{ Variables: OperatorVariables }>();

  app.get('/kill-switches', async (c) => c.json({ switches: await deps.killSwitches.listEngaged() }));

  app.post('/kill-switches', async (c) => {
    const json = await readJson(c);
    if (!json.ok) return c.json({ error: 'body: not valid JSON', field: 'body' }, 400);
    const parsed = killSwitchRequest.safeParse(json.value);
    if (!parsed.success) return c.json(badInput(parsed.error, 'body'), 400);
    const { scope, state, reason, abort_running: abortRunning = false } = parsed.data;
    const reply = await setKillSwitch(deps, c.var.operator, { op: state, scope, reason, abortRunning });
    if (!reply.ok || !reply.stored) return c.json({ error: reply.message.replace(/^Refused: /, ''), needs: reply.needs, holds: c.var.operator.authorities }, 403);
    // Unlike Slack (3 s to answer), the caller can wait for the stops; it learns which ran.
    const aborted = reply.abort ? (await reply.abort()).actions : undefined;
    return c.json({ switch: reply.stored, ...(aborted ? { aborted } : {}) });
  });

  return app;
}
