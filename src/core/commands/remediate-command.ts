export const REMEDIATE_USAGE = [
  'Usage: `/remediate <runbook-id> key=value …`',
  'The pairs stand in for alert labels, e.g. `/remediate ecs-force-new-deployment cluster=prod service=checkout-api`.',
  'You see the rendered plan first and confirm it; it then follows the same guards and approvals as an automatic run.',
].join('\n');

export type RemediateCommand = { ok: true; runbookId: string; labels: Record<string, string> } | { ok: false; message: string };

const KEY = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;

/** Parses the text after `/remediate`. */
export function parseRemediateCommand(text: string): RemediateCommand {
  const [runbookId, ...pairs] = text.trim().split(/\s+/).filter(Boolean);
  if (!runbookId) return { ok: false, message: REMEDIATE_USAGE };
  if (!/^[a-z0-9][a-z0-9-]{1,62}$/.test(runbookId)) return { ok: false, message: `\`${runbookId.slice(0, 64)}\` is not a runbook id.\n${REMEDIATE_USAGE}` };
  const labels: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    const key = eq > 0 ? pair.slice(0, eq) : '';
    if (!KEY.test(key)) return { ok: false, message: `\`${pair.slice(0, 80)}\` is not a key=value pair.\n${REMEDIATE_USAGE}` };
    if (key in labels) return { ok: false, message: `\`${key}\` is given twice.\n${REMEDIATE_USAGE}` };
    labels[key] = pair.slice(eq + 1);
  }
  return { ok: true, runbookId, labels: { ...labels } };
}
