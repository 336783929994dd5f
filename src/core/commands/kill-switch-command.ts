export const KILL_SWITCH_USAGE = [
  'Usage:',
  '`/kill-switch` or `/kill-switch status`: every engaged switch, who engaged it, when and why',
  '`/kill-switch on <scope> [reason…] [--abort-running]`: stop new actions in scope (and running ones with --abort-running)',
  '`/kill-switch off <scope> [reason…]`: allow actions again',
  'scope is `global`, `service:<name>` or `action:<type>`',
].join('\n');

export type KillSwitchCommand =
  | { ok: true; op: 'status' }
  | { ok: true; op: 'on' | 'off'; scope: string; reason: string; abortRunning: boolean }
  | { ok: false; message: string };

/** `global`, `service:<name>` or `action:<type>`: the one grammar of scopes, for Slack and the API. */
export const KILL_SWITCH_SCOPE = /^(global|service:[A-Za-z0-9_.:/-]{1,128}|action:[a-z0-9_-]{1,64})$/;

/** Parses the text after `/kill-switch`. Anything malformed gets the usage, never a trace. */
export function parseKillSwitchCommand(text: string): KillSwitchCommand {
  const words = text.trim().split(/\s+/).filter(Boolean);
  const [rawOp, scope, ...rest] = words;
  const op = rawOp?.toLowerCase();
  if (!op || op === 'status') return words.length <= 1 ? { ok: true, op: 'status' } : { ok: false, message: `\`status\` takes no arguments.\n${KILL_SWITCH_USAGE}` };
  if (op !== 'on' && op !== 'off') return { ok: false, message: `Unknown subcommand \`${(rawOp ?? '').slice(0, 40)}\`.\n${KILL_SWITCH_USAGE}` };
  if (!scope) return { ok: false, message: `\`${op}\` needs a scope.\n${KILL_SWITCH_USAGE}` };
  if (!KILL_SWITCH_SCOPE.test(scope)) return { ok: false, message: `\`${scope.slice(0, 80)}\` is not a scope.\n${KILL_SWITCH_USAGE}` };
  const abortRunning = rest.includes('--abort-running');
  if (abortRunning && op === 'off') return { ok: false, message: `--abort-running only goes with \`on\`.\n${KILL_SWITCH_USAGE}` };
  const reason = rest.filter((w) => w !== '--abort-running').join(' ').slice(0, 500);
  return { ok: true, op, scope, reason, abortRunning };
}

/** Whether a plan with this service and action type falls under the scope. */
export function scopeCovers(scope: string, plan: { service: string; actionType: string }): boolean {
  return scope === 'global' || scope === `service:${plan.service}` || scope === `action:${plan.actionType}`;
}
