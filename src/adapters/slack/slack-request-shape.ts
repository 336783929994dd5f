/**
 * What a signed Slack payload must carry before it reaches a listener. Slack always sends these;
 * a request without them is a forgery by someone holding the signing secret, or a bug, and gets a
 * 400 naming the field instead of a listener failing on it (a 500 tells the sender nothing).
 * Returns the problem, or undefined when the shape is usable.
 */
export function malformedSlackBody(body: Record<string, unknown>): string | undefined {
  if (body.type === 'block_actions') {
    const user = body.user as { id?: unknown } | undefined;
    if (!user || typeof user.id !== 'string' || user.id === '') return 'block_actions: user.id is missing; Slack sends the clicking user with every click';
    if (!Array.isArray(body.actions) || body.actions.length === 0) return 'block_actions: actions is empty; Slack sends the clicked element in actions[0]';
    const action = body.actions[0] as { action_id?: unknown } | undefined;
    if (!action || typeof action.action_id !== 'string') return 'block_actions: actions[0].action_id is missing';
  }
  if (typeof body.command === 'string' && (typeof body.user_id !== 'string' || body.user_id === '')) return 'slash command: user_id is missing';
  return undefined;
}
