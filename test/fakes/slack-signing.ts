import { createHmac } from 'node:crypto';

/** The headers Slack sends with a request: a v0 HMAC-SHA256 over `v0:<ts>:<body>`. */
export function signSlackRequest(signingSecret: string, rawBody: string, timestampSeconds: number): Record<string, string> {
  const sig = createHmac('sha256', signingSecret).update(`v0:${timestampSeconds}:${rawBody}`).digest('hex');
  return { 'x-slack-request-timestamp': String(timestampSeconds), 'x-slack-signature': `v0=${sig}` };
}

/** A `block_actions` payload for one button click, as Slack posts it (form field `payload`). */
export function buttonClickPayload(input: { actionId: string; value: string; userId: string; channel: string; messageTs?: string; threadTs?: string; responseUrl?: string }): Record<string, unknown> {
  return {
    type: 'block_actions',
    team: { id: 'T000FAKE', domain: 'fake' },
    user: { id: input.userId, username: input.userId.toLowerCase(), team_id: 'T000FAKE' },
    api_app_id: 'A000FAKE',
    token: 'legacy-verification-token',
    trigger_id: '1234.5678.abcdef',
    container: { type: 'message', message_ts: input.messageTs ?? '1.1', channel_id: input.channel, is_ephemeral: false },
    channel: { id: input.channel, name: 'incidents' },
    message: { type: 'message', ts: input.messageTs ?? '1.1', thread_ts: input.threadTs, text: 'proposal' },
    response_url: input.responseUrl ?? 'http://127.0.0.1:9/unused',
    actions: [{ type: 'button', action_id: input.actionId, block_id: `proposal:${input.value}`, value: input.value, text: { type: 'plain_text', text: 'x' }, action_ts: '1700000000.000001' }],
  };
}

/** A slash command's fields, as Slack posts them (form-encoded) or pushes them over Socket Mode. */
export function slashCommandFields(input: { command: string; text: string; userId: string; channel: string; responseUrl?: string }): Record<string, string> {
  return {
    token: 'legacy-verification-token',
    team_id: 'T000FAKE',
    team_domain: 'fake',
    channel_id: input.channel,
    channel_name: 'incidents',
    user_id: input.userId,
    user_name: input.userId.toLowerCase(),
    command: input.command,
    text: input.text,
    api_app_id: 'A000FAKE',
    response_url: input.responseUrl ?? 'http://127.0.0.1:9/unused',
    trigger_id: '1234.5678.abcdef',
  };
}

export function formEncode(fields: Record<string, string>): string {
  return new URLSearchParams(fields).toString();
}
