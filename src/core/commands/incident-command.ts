export const INCIDENT_USAGE = [
  'Usage:',
  '`/incident list`: open incidents',
  '`/incident show <id>`: one incident, its runbooks and its latest steps',
  '`/incident ack <id>`: acknowledge (also acknowledges in PagerDuty)',
  '`/incident resolve <id> [note…]`: resolve by hand',
].join('\n');

export type IncidentCommand =
  | { ok: true; op: 'list' }
  | { ok: true; op: 'show' | 'ack'; id: string }
  | { ok: true; op: 'resolve'; id: string; note: string }
  | { ok: false; message: string };

/** Parses the text after `/incident`; ids are accepted as `INC-42`, `inc-42` or `42`. */
export function parseIncidentCommand(text: string): IncidentCommand {
  const [op, rawId, ...rest] = text.trim().split(/\s+/).filter(Boolean);
  if (!op || op === 'list') return !rawId ? { ok: true, op: 'list' } : { ok: false, message: `\`list\` takes no arguments.\n${INCIDENT_USAGE}` };
  if (op !== 'show' && op !== 'ack' && op !== 'resolve') return { ok: false, message: `Unknown subcommand \`${op.slice(0, 40)}\`.\n${INCIDENT_USAGE}` };
  if (!rawId) return { ok: false, message: `\`${op}\` needs an incident id such as INC-42.\n${INCIDENT_USAGE}` };
  const match = /^(?:inc-)?(\d{1,12})$/i.exec(rawId);
  if (!match) return { ok: false, message: `\`${rawId.slice(0, 40)}\` is not an incident id (expected INC-42).\n${INCIDENT_USAGE}` };
  const id = `INC-${match[1]}`;
  if (op === 'resolve') return { ok: true, op, id, note: rest.join(' ').slice(0, 500) };
  if (rest.length > 0) return { ok: false, message: `\`${op}\` takes only an incident id.\n${INCIDENT_USAGE}` };
  return { ok: true, op, id };
}
