import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';

/**
 * The bot scopes each Web API method needs, from each method's page in Slack's API reference
 * (https://api.slack.com/methods/<method>). A method the bot starts calling must be added here,
 * with its scope in slack-manifest.yml: for message-metadata lookups, conversations.history needs
 * channels:history (public) and groups:history (private).
 */
const SCOPES_BY_METHOD: Record<string, string[]> = {
  'chat.postMessage': ['chat:write', 'chat:write.public'],
  'chat.update': ['chat:write'],
  'chat.postEphemeral': ['chat:write'],
  'users.lookupByEmail': ['users:read.email', 'users:read'],
  'usergroups.users.list': ['usergroups:read'],
  // Finding the bot's own messages by their metadata (a post whose answer was lost; the incident of
  // a thread): channels:history for public channels, groups:history for private ones.
  'conversations.history': ['channels:history', 'groups:history'],
  'conversations.replies': ['channels:history', 'groups:history'],
  // PromQL charts in the thread: Slack's upload flow (the upload URL itself needs no token).
  'files.getUploadURLExternal': ['files:write'],
  'files.completeUploadExternal': ['files:write'],
  // App-level token (connections:write), not a bot scope; auth.test needs none.
  'apps.connections.open': [],
  'auth.test': [],
};
const SCOPES_BY_EVENT: Record<string, string[]> = { app_mention: ['app_mentions:read'] };

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const file = path.join(dir, name);
    return statSync(file).isDirectory() ? sources(file) : file.endsWith('.ts') ? [file] : [];
  });
}

const code = sources('src').map((f) => readFileSync(f, 'utf8')).join('\n');
const manifest = parse(readFileSync('slack-manifest.yml', 'utf8')) as {
  features: { slash_commands: { command: string }[] };
  oauth_config: { scopes: { bot: string[] } };
  settings: { event_subscriptions: { bot_events: string[] } };
};

/** Web API methods the code calls: by name in a string ('chat.update'), through a WebClient (client.users.lookupByEmail(…)), or Bolt's say(). */
function methodsCalled(): Set<string> {
  const found = new Set<string>();
  for (const m of code.matchAll(/'((?:chat|users|usergroups|conversations|channels|groups|reactions|pins|files|apps|auth|views)\.[a-zA-Z.]+)'/g)) found.add(m[1]!);
  for (const m of code.matchAll(/client\.((?:chat|users|usergroups|conversations|reactions|pins|files|views)\.[a-zA-Z.]+)\(/g)) found.add(m[1]!);
  if (/\bsay\(/.test(code)) found.add('chat.postMessage');
  return found;
}

describe('slack-manifest.yml agrees with the code', () => {
  it('declares a scope for every Web API method the code calls, and knows every such method', () => {
    const scopes = new Set(manifest.oauth_config.scopes.bot);
    for (const method of methodsCalled()) {
      expect(SCOPES_BY_METHOD, `a scope table entry for ${method}`).toHaveProperty([method]);
      for (const scope of SCOPES_BY_METHOD[method] ?? []) expect(scopes.has(scope), `${method} needs ${scope}`).toBe(true);
    }
  });

  it('asks for no scope nothing uses (commands for the slash commands, the rest for a called method or a handled event)', () => {
    const needed = new Set(['commands', ...[...methodsCalled()].flatMap((m) => SCOPES_BY_METHOD[m] ?? []), ...manifest.settings.event_subscriptions.bot_events.flatMap((e) => SCOPES_BY_EVENT[e] ?? [])]);
    expect(manifest.oauth_config.scopes.bot.filter((s) => !needed.has(s))).toEqual([]);
  });

  it('subscribes only to events a listener handles, and handles each one', () => {
    const handled = [...code.matchAll(/app\.event\('([a-z_]+)'/g)].map((m) => m[1]);
    expect([...manifest.settings.event_subscriptions.bot_events].sort()).toEqual([...handled].sort());
  });

  it('declares exactly the slash commands the bot registers', () => {
    const registered = [...code.matchAll(/app\.command\('(\/[a-z-]+)'/g)].map((m) => m[1]);
    expect(manifest.features.slash_commands.map((c) => c.command).sort()).toEqual([...registered].sort());
  });
});
