/**
 * The console's page: markup only. Its script and style are separate routes, so the page works
 * under a CSP without inline script or style; it holds no data (everything comes from /api/*).
 */
export const CONSOLE_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>ChatOps console</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="stylesheet" href="/console/console.css">
</head><body>
<h1>ChatOps console</h1>
<header>
  <label>Operator token (empty on loopback)<input id="token" type="password" autocomplete="off"></label>
  <button id="connect" type="button">Connect</button>
  <button id="sso" type="button" hidden>Sign in with SSO</button>
  <button id="signout" type="button">Sign out</button>
  <span id="who"></span> <span id="state"></span>
</header>

<section id="list-view">
<h2>Incidents <small id="incident-count"></small></h2>
<form id="filters">
  <label>Status<select id="f-status"><option value="">any</option><option>open</option><option>acknowledged</option><option>mitigating</option><option>resolved</option></select></label>
  <label>Service<input id="f-service" size="16"></label>
  <label>Severity<select id="f-severity"><option value="">any</option><option>critical</option><option>warning</option><option>info</option></select></label>
  <label>Opened since<input id="f-since" type="datetime-local"></label>
  <button id="f-apply" type="submit">Apply</button>
</form>
<table><thead><tr><th>Id</th><th>Status</th><th>Severity</th><th>Service</th><th>Title</th><th>Runbooks</th><th>Opened</th></tr></thead><tbody id="incidents"></tbody></table>
</section>

<section id="incident-view" hidden>
<p><a href="#/">← all incidents</a></p>
<h2 id="incident-title"></h2>
<p id="incident-chain"></p>
<h3>Alerts</h3>
<table><thead><tr><th>Alert</th><th>Status</th><th>Severity</th><th>Started</th><th>Ended</th><th>Summary</th></tr></thead><tbody id="incident-alerts"></tbody></table>
<h3>Proposals</h3><ul id="incident-proposals"></ul>
<h3>Timeline</h3><ol id="incident-timeline"></ol>
</section>

<h2>Kill switches</h2>
<p id="ks-none">No kill switch is engaged.</p>
<table><thead><tr><th>Scope</th><th>By</th><th>Authority</th><th>At</th><th>Reason</th></tr></thead><tbody id="killswitches"></tbody></table>
<form id="ks-form" hidden>
  <label>Scope<input id="ks-scope" placeholder="global, service:name or action:type" size="28"></label>
  <label>Reason<input id="ks-reason" size="32"></label>
  <label>Stop running actions<input id="ks-abort" type="checkbox"></label>
  <button id="ks-on" type="button">Engage</button>
  <button id="ks-off" type="button">Release</button>
  <span id="ks-result"></span>
</form>

<h2>Live audit stream <small id="stream-state"></small></h2>
<ul id="events"></ul>
<script src="/console/console.js"></script>
</body></html>`;
