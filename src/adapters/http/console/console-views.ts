/**
 * The console's browser script, part 2: the incident list with its filters, one incident's page,
 * the live stream list and the kill switches. Text only ever goes in through textContent.
 */
export const CONSOLE_VIEWS_SCRIPT = String.raw`
function el(tag, attrs, children) {
  const node = document.createElement(tag);
  for (const k of Object.keys(attrs || {})) node.setAttribute(k, attrs[k]);
  for (const c of [].concat(children || [])) node.appendChild(typeof c === 'object' && c !== null ? c : document.createTextNode(String(c == null ? '' : c)));
  return node;
}
function row(cells) { return el('tr', {}, cells.map((c) => el('td', {}, [c]))); }

function filterQuery() {
  const q = new URLSearchParams();
  for (const f of ['status', 'service', 'severity']) { const v = $('f-' + f).value.trim(); if (v) q.set(f, v); }
  const since = $('f-since').value;
  if (since) q.set('since', new Date(since).toISOString());
  return q.toString();
}

async function loadIncidents() {
  const res = await api('/api/incidents?' + filterQuery());
  if (!res.ok) { if (res.status !== 401) setState('state', 'could not load the incidents: ' + ((await res.json().catch(() => ({}))).error || 'API answered ' + res.status), true); return; }
  const { incidents } = await res.json();
  $('incidents').replaceChildren(...incidents.map((i) => {
    const runbooks = (i.proposals || []).map((p) => p.plan.runbookId + ' → ' + p.plan.target + ': ' + p.status).join('\n');
    return row([el('a', { href: '#/incidents/' + encodeURIComponent(i.id) }, [i.id]), i.status, i.severity, i.service || '', i.title, runbooks, i.openedAt]);
  }));
  $('incident-count').textContent = incidents.length + ' incident(s)';
}

async function showIncident(id) {
  const [res, verify] = await Promise.all([api('/api/incidents/' + encodeURIComponent(id)), api('/api/audit/verify?incident=' + encodeURIComponent(id))]);
  if (!res.ok) { $('incident-title').textContent = id + ': ' + ((await res.json().catch(() => ({}))).error || res.status); return; }
  const { incident, proposals, timeline } = await res.json();
  $('incident-title').textContent = incident.id + ' · ' + incident.status + ' · ' + incident.severity + ' · ' + incident.title;
  $('incident-alerts').replaceChildren(...Object.values(incident.alerts || {}).map((a) => row([a.name, a.status, a.severity, a.startsAt || '', a.endsAt || '', a.summary || ''])));
  $('incident-proposals').replaceChildren(...proposals.map((p) => el('li', {}, [
    el('strong', {}, [p.plan.runbookId + ' → ' + p.plan.target]),
    ' ' + p.status + ' · risk ' + p.plan.risk + ' · ' + p.approvals.length + '/' + p.approvalsRequired + ' approvals',
    el('p', {}, [p.plan.title]),
    el('pre', {}, [JSON.stringify({ action: p.plan.action, diagnostics: p.plan.diagnostics, rollback: p.plan.rollback || null }, null, 2)]),
  ])));
  $('incident-timeline').replaceChildren(...timeline.map((r) => el('li', {}, [r.seq + '  ' + r.timestamp + '  ' + r.kind + '  ' + r.outcome + '  ' + (r.operator || '') + (r.runbook ? '  ' + r.runbook : '')])));
  const chain = verify.ok ? await verify.json() : { intact: false, reason: 'could not verify (' + verify.status + ')' };
  $('incident-chain').textContent = chain.intact ? 'Audit chain intact (' + chain.records + ' records)' : 'Audit chain BROKEN' + (chain.brokenAt ? ' at record ' + chain.brokenAt : '') + ': ' + chain.reason;
  $('incident-chain').className = chain.intact ? 'ok' : 'bad';
}

/** Reloads at most once a second however fast records arrive: an alert storm must not spend the API rate limit. */
const pending = { incidents: false, switches: false, incident: null, timer: null };
function refreshSoon(what, id) {
  if (what === 'incident') pending.incident = id; else pending[what] = true;
  pending.timer = pending.timer || setTimeout(() => {
    const p = Object.assign({}, pending);
    pending.incidents = false; pending.switches = false; pending.incident = null; pending.timer = null;
    if (p.incidents) loadIncidents();
    if (p.switches) loadKillSwitches();
    if (p.incident && p.incident === currentIncident()) showIncident(p.incident);
  }, 1000);
}

function showStreamLine(attrs, line) {
  $('events').prepend(el('li', attrs, [line]));
  while ($('events').children.length > 200) $('events').lastChild.remove();
}
function onStreamNotice(text) { showStreamLine({ class: 'bad' }, text); }

function onAuditRecord(r, id) {
  const line = r.timestamp + '  ' + r.incidentId + '  ' + r.kind + '  ' + r.outcome + '  ' + (r.runbook || '') + ' ' + (r.targetResource || '');
  showStreamLine({ 'data-id': id }, line);
  if (r.incidentId === 'CONTROLS') refreshSoon('switches'); else refreshSoon('incidents');
  if (r.incidentId === currentIncident()) refreshSoon('incident', r.incidentId);
}

async function loadKillSwitches() {
  const res = await api('/api/kill-switches');
  if (!res.ok) return;
  const { switches } = await res.json();
  $('killswitches').replaceChildren(...switches.map((s) => row([s.scope, s.by, s.authority, s.at, s.reason || ''])));
  $('ks-none').hidden = switches.length > 0;
  const may = me && me.may;
  $('ks-form').hidden = !(may && (may.engageKillSwitch || may.releaseKillSwitch));
  $('ks-on').hidden = !(may && may.engageKillSwitch);
  $('ks-off').hidden = !(may && may.releaseKillSwitch);
}

async function setKillSwitch(state) {
  const body = { scope: $('ks-scope').value.trim(), state: state, reason: $('ks-reason').value.trim() };
  if (state === 'on' && $('ks-abort').checked) body.abort_running = true;
  const res = await api('/api/kill-switches', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const answer = await res.json().catch(() => ({}));
  setState('ks-result', res.ok ? 'Kill switch ' + answer.switch.scope + (answer.switch.engaged ? ' engaged' : ' released') : 'Refused (' + res.status + '): ' + answer.error, !res.ok);
  loadKillSwitches();
}

function currentIncident() { const m = /^#\/incidents\/(.+)$/.exec(location.hash); return m ? decodeURIComponent(m[1]) : null; }
function route() {
  const id = currentIncident();
  $('list-view').hidden = Boolean(id);
  $('incident-view').hidden = !id;
  if (id) showIncident(id); else loadIncidents();
}

async function start() {
  const res = await fetch('/console/config.json');
  config = res.ok ? await res.json() : { oidc: null };
  $('sso').hidden = !(config.oidc && config.oidc.authorizationEndpoint);
  if (config.oidc && config.oidc.error) setState('state', 'single sign-on unavailable: ' + config.oidc.error, true);
  if (config.oidc && config.oidc.authorizationEndpoint) await finishOidcSignIn();
  if (!(await loadIdentity())) return;
  route();
  loadKillSwitches();
  connectStream();
}

$('connect').addEventListener('click', () => { session.token = $('token').value; $('token').value = ''; start(); });
$('sso').addEventListener('click', () => signInWithOidc());
$('signout').addEventListener('click', () => { session.token = ''; location.reload(); });
$('filters').addEventListener('submit', (e) => { e.preventDefault(); loadIncidents(); });
$('ks-on').addEventListener('click', () => setKillSwitch('on'));
$('ks-off').addEventListener('click', () => setKillSwitch('off'));
window.addEventListener('hashchange', route);
start();
`;
