/** The console's style sheet, served as /console/console.css (the CSP allows no inline style). */
export const CONSOLE_STYLE = `
body{font:14px system-ui,sans-serif;margin:1.5rem;color:#1d1c1d}
header{display:flex;flex-wrap:wrap;gap:.75rem;align-items:center;margin-bottom:1rem}
table{border-collapse:collapse;width:100%;margin-bottom:1.5rem}
td,th{border-bottom:1px solid #ddd;padding:.35rem .5rem;text-align:left;vertical-align:top;white-space:pre-wrap}
code,pre{font-size:12px}
#events li,#incident-timeline li{font-family:monospace;font-size:12px;white-space:pre-wrap}
#events{max-height:24rem;overflow:auto}
form{display:flex;flex-wrap:wrap;gap:.5rem;align-items:end;margin-bottom:.75rem}
label{display:flex;flex-direction:column;font-size:12px}
.bad{color:#b00}.ok{color:#070}
[hidden]{display:none!important}
`;
