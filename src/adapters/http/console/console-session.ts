/**
 * The console's browser script, part 1: signing in, calling /api, and the live stream. Served as
 * /console/console.js (with part 2, the views) so the page works under a CSP without inline script.
 * Plain browser JavaScript in a string: no build step, no external asset.
 */
export const CONSOLE_SESSION_SCRIPT = String.raw`
'use strict';
const $ = (id) => document.getElementById(id);
const session = {
  get token() { return sessionStorage.getItem('chatops.token') || ''; },
  set token(t) { if (t) sessionStorage.setItem('chatops.token', t); else sessionStorage.removeItem('chatops.token'); },
};
let config = { oidc: null };
let me = null;

function setState(id, text, bad) { const el = $(id); el.textContent = text; el.className = bad ? 'bad' : ''; }

/**
 * Every /api call: the bearer token if there is one; 401 sends the user back to sign in. A bot that
 * does not answer (restarting, the network) is an answer too: 503 with the reason, shown by the
 * caller, and what was loaded stays on the page; the next event or click loads it again.
 */
async function api(path, init) {
  const headers = Object.assign({}, (init && init.headers) || {});
  if (session.token) headers.authorization = 'Bearer ' + session.token;
  let res;
  try {
    res = await fetch(path, Object.assign({}, init || {}, { headers }));
  } catch (err) {
    return new Response(JSON.stringify({ error: 'the bot did not answer (' + ((err && err.message) || err) + ')' }), { status: 503, headers: { 'content-type': 'application/json' } });
  }
  if (res.status === 401) setState('state', 'API answered 401: sign in (' + (await res.clone().json().catch(() => ({}))).error + ')', true);
  return res;
}

function base64url(bytes) {
  let s = ''; for (const b of new Uint8Array(bytes)) s += String.fromCharCode(b);
  return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}
function randomString(n) { return base64url(crypto.getRandomValues(new Uint8Array(n))); }
function redirectUri() { return location.origin + '/console'; }

/** OIDC authorization code flow with PKCE (S256): the verifier never leaves this tab until the code exchange. */
async function signInWithOidc() {
  const oidc = config.oidc;
  const verifier = randomString(48);
  const state = randomString(24);
  sessionStorage.setItem('chatops.pkce', JSON.stringify({ verifier: verifier, state: state }));
  const challenge = base64url(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier)));
  const url = new URL(oidc.authorizationEndpoint);
  const params = { response_type: 'code', client_id: oidc.clientId, redirect_uri: redirectUri(), scope: oidc.scope, state: state, code_challenge: challenge, code_challenge_method: 'S256' };
  for (const k of Object.keys(params)) url.searchParams.set(k, params[k]);
  location.assign(url.toString());
}

/** Back from the issuer with ?code&state: exchange the code, keep the token, clean the address bar. */
async function finishOidcSignIn() {
  const q = new URLSearchParams(location.search);
  if (!q.has('code') && !q.has('error')) return;
  history.replaceState(null, '', '/console' + location.hash);
  const saved = JSON.parse(sessionStorage.getItem('chatops.pkce') || 'null');
  sessionStorage.removeItem('chatops.pkce');
  if (q.has('error')) { setState('state', 'sign-in failed: ' + q.get('error') + ' ' + (q.get('error_description') || ''), true); return; }
  if (!saved || saved.state !== q.get('state')) { setState('state', 'sign-in failed: the answer does not belong to this tab (state mismatch)', true); return; }
  const body = new URLSearchParams({ grant_type: 'authorization_code', code: q.get('code'), redirect_uri: redirectUri(), client_id: config.oidc.clientId, code_verifier: saved.verifier });
  const res = await fetch(config.oidc.tokenEndpoint, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: body });
  if (!res.ok) { setState('state', 'sign-in failed: the token endpoint answered ' + res.status, true); return; }
  const tokens = await res.json();
  // The ID token's audience is the client; use it only when that is the audience the bot expects.
  session.token = config.oidc.audience === config.oidc.clientId ? (tokens.id_token || tokens.access_token) : tokens.access_token;
}

async function loadIdentity() {
  const res = await api('/api/me');
  if (!res.ok) { me = null; return false; }
  me = await res.json();
  $('who').textContent = 'Signed in as ' + me.name + (me.authorities.length ? ' (' + me.authorities.join(', ') + ')' : ' (read only)');
  setState('state', 'connected', false);
  return true;
}

/**
 * The live stream over fetch (EventSource cannot send a bearer token). It reconnects by itself with
 * a growing pause, sending Last-Event-ID so the bot (any replica) replays what was missed. Ids are
 * <incident>:<seq>@<time>: the furthest one in stream order is kept, so a record the bot found late
 * does not move the resume point back, and ids already shown are not shown twice.
 */
const stream = { lastEventId: '', attempt: 0, controller: null, timer: null, seen: new Set(), endReason: '' };
function streamOrder(id) {
  const m = /^([^@]+):(\d+)@(.+)$/.exec(id);
  return m ? [m[3], m[1], Number(m[2])] : null;
}
function isFurther(id, than) {
  const a = streamOrder(id), b = streamOrder(than);
  if (!a || !b) return true;
  for (let i = 0; i < 3; i++) if (a[i] !== b[i]) return a[i] > b[i];
  return false;
}
function connectStream() {
  clearTimeout(stream.timer);
  if (stream.controller) stream.controller.abort();
  const controller = new AbortController();
  stream.controller = controller;
  const headers = { accept: 'text/event-stream' };
  if (stream.lastEventId) headers['last-event-id'] = stream.lastEventId;
  setState('stream-state', stream.attempt ? 'reconnecting…' : 'connecting…', false);
  stream.endReason = '';
  api('/api/events', { headers: headers, signal: controller.signal })
    .then(async (res) => {
      if (res.status === 401) { setState('stream-state', 'not signed in', true); return 'stop'; }
      // An id the bot does not take (a bot older or newer than this page): resume from now instead.
      if (res.status === 400) stream.lastEventId = '';
      if (!res.ok || !res.body) throw new Error('answered ' + res.status + ' ' + ((await res.json().catch(() => ({}))).error || ''));
      const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
      let buf = '';
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buf += value.replace(/\r\n/g, '\n');
        let i;
        while ((i = buf.indexOf('\n\n')) >= 0) { onStreamChunk(buf.slice(0, i)); buf = buf.slice(i + 2); }
      }
      return stream.endReason || 'ended';
    })
    .catch((err) => (controller.signal.aborted ? 'stop' : 'failed: ' + err.message))
    .then((outcome) => {
      if (outcome === 'stop' || controller !== stream.controller) return;
      stream.attempt += 1;
      const delay = Math.min(15000, 500 * 2 ** Math.min(stream.attempt, 5));
      setState('stream-state', 'disconnected (' + outcome + '); reconnecting in ' + Math.round(delay / 1000) + ' s', true);
      stream.timer = setTimeout(connectStream, delay);
    });
}

function onStreamChunk(chunk) {
  let event = 'message', data = '', id = null;
  for (const line of chunk.split('\n')) {
    if (line.startsWith(':')) continue;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
    if (field === 'event') event = value; else if (field === 'data') data += (data ? '\n' : '') + value; else if (field === 'id') id = value;
  }
  if (event === 'ready') { stream.attempt = 0; setState('stream-state', 'live', false); }
  if (event === 'gap' || event === 'dropped' || event === 'closing') {
    const reason = JSON.parse(data || '{}').reason || event;
    if (event === 'gap') onStreamNotice('not replayed: ' + reason); else stream.endReason = event + ': ' + reason;
  }
  if (event !== 'audit' || !data || id === null) return;
  if (!stream.lastEventId || isFurther(id, stream.lastEventId)) stream.lastEventId = id;
  if (stream.seen.has(id)) return;
  stream.seen.add(id);
  if (stream.seen.size > 2000) stream.seen.delete(stream.seen.values().next().value);
  onAuditRecord(JSON.parse(data), id);
}
`;
