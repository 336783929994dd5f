/**
 * The operator console: open incidents and the live audit stream. Static HTML; all data comes
 * from /api/* with the operator token the user types (kept in sessionStorage, never in the URL).
 */
export function consolePage(): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>ChatOps console</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body{font:14px system-ui,sans-serif;margin:1.5rem;color:#1d1c1d}
table{border-collapse:collapse;width:100%;margin-bottom:1.5rem}td,th{border-bottom:1px solid #ddd;padding:.35rem .5rem;text-align:left;vertical-align:top}
code{font-size:12px}#events li{font-family:monospace;font-size:12px;white-space:pre-wrap}.bad{color:#b00}
</style></head><body>
<h1>ChatOps console</h1>
<p><label>Operator token (leave empty on loopback): <input id="token" type="password" autocomplete="off"></label>
<button id="connect">Connect</button> <span id="state"></span></p>
<h2>Incidents</h2>
<table><thead><tr><th>Id</th><th>Status</th><th>Severity</th><th>Title</th><th>Runbooks</th><th>Opened</th></tr></thead><tbody id="incidents"></tbody></table>
<h2>Live audit stream</h2><ul id="events"></ul>
<script>
const $ = (id) => document.getElementById(id);
const text = (s) => document.createTextNode(String(s ?? ''));
function headers(){ const t = sessionStorage.getItem('token'); return t ? { authorization: 'Bearer ' + t } : {}; }
async function loadIncidents(){
  const res = await fetch('/api/incidents', { headers: headers() });
  if (!res.ok) { $('state').textContent = 'API answered ' + res.status; $('state').className = 'bad'; return; }
  const { incidents } = await res.json();
  const body = $('incidents'); body.replaceChildren();
  for (const i of incidents) {
    const tr = document.createElement('tr');
    const runbooks = (i.proposals || []).map((p) => p.plan.runbookId + ' → ' + p.plan.target + ': ' + p.status).join('\\n');
    for (const v of [i.id, i.status, i.severity, i.title, runbooks, i.openedAt]) { const td = document.createElement('td'); td.appendChild(text(v)); tr.appendChild(td); }
    body.appendChild(tr);
  }
}
async function stream(){
  const res = await fetch('/api/events', { headers: headers() });
  if (!res.ok || !res.body) return;
  $('state').textContent = 'live'; $('state').className = '';
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  let buf = '';
  for (;;) {
    const { value, done } = await reader.read(); if (done) break;
    buf += value; let i;
    while ((i = buf.indexOf('\\n\\n')) >= 0) {
      const chunk = buf.slice(0, i); buf = buf.slice(i + 2);
      const data = chunk.split('\\n').filter((l) => l.startsWith('data:')).map((l) => l.slice(5)).join('\\n');
      if (!chunk.includes('event: audit') || !data) continue;
      const r = JSON.parse(data); const li = document.createElement('li');
      li.appendChild(text(r.timestamp + '  ' + r.incidentId + '  ' + r.kind + '  ' + r.outcome + '  ' + (r.runbook || '') + ' ' + (r.targetResource || '')));
      $('events').prepend(li); loadIncidents();
    }
  }
  $('state').textContent = 'disconnected';
}
$('connect').onclick = () => { sessionStorage.setItem('token', $('token').value); loadIncidents(); stream(); };
loadIncidents(); stream();
</script></body></html>`;
}
