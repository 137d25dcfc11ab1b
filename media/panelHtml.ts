// The panel's HTML, one function for the host and for the tests that load it in a browser.
// Strict CSP: nothing but our own script (by nonce) and stylesheet (from the webview's own origin),
// no inline styles, no remote anything.

export interface PanelHtmlParts {
  /** webview.cspSource in VS Code; the test server's origin in tests. */
  cspSource: string;
  scriptUri: string;
  styleUri: string;
  nonce: string;
}

const escapeAttr = (s: string) => s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');

export function panelHtml(p: PanelHtmlParts): string {
  const csp = [
    "default-src 'none'",
    `style-src ${p.cspSource}`,
    `script-src 'nonce-${p.nonce}'`,
    `img-src ${p.cspSource}`,
    `font-src ${p.cspSource}`,
  ].join('; ');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${escapeAttr(csp)}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${escapeAttr(p.styleUri)}">
<title>kpath path</title>
</head>
<body>
<header class="toolbar">
  <h1 id="title">kpath</h1>
  <span id="summary" class="summary"></span>
  <span class="spacer"></span>
  <div id="direction" class="family" role="group" aria-label="direction" hidden>
    <button type="button" data-direction="send" aria-pressed="true" title="The send() path: from the syscall down to the driver">Send</button>
    <button type="button" data-direction="recv" aria-pressed="false" title="The receive path: a packet up to the socket, and recvfrom() down to the copy">Receive</button>
  </div>
  <div id="family" class="family" role="group" aria-label="address family" hidden>
    <button type="button" data-family="ipv4" aria-pressed="true">IPv4</button>
    <button type="button" data-family="ipv6" aria-pressed="false">IPv6</button>
  </div>
  <div id="targets-filter" class="family" role="group" aria-label="which targets to list" hidden>
    <button type="button" data-targets="compiled" aria-pressed="true" title="List the alternatives and drivers this kernel config compiles">compiled only</button>
    <button type="button" data-targets="all" aria-pressed="false" title="Also list what this kernel config does not compile">all targets</button>
  </div>
  <button type="button" id="refresh" title="Ask the server again">Refresh</button>
</header>
<div id="branches" class="branches" role="group" aria-label="where the path branches" hidden></div>
<div id="status" role="status" aria-live="polite"></div>
<main id="diagram" class="diagram"></main>
<aside id="inspector" class="inspector" aria-live="polite"></aside>
<script nonce="${escapeAttr(p.nonce)}" src="${escapeAttr(p.scriptUri)}"></script>
</body>
</html>`;
}
