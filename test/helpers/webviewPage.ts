// The panel page in a real browser, as the extension host serves it: the same HTML and strict CSP,
// the bundle built from media/main.ts as it is now (not a stale dist/), a dark theme's --vscode-*
// variables as VS Code injects them. Each test stubs acquireVsCodeApi with its own init script.
// Needs Debian's chromium (/usr/bin/chromium, or KPATH_CHROMIUM); skipped without it unless CI is set.
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import * as esbuild from 'esbuild';
import { chromium, type Browser, type Page } from 'playwright-core';
import { panelHtml } from '../../media/panelHtml';

export const repo = resolve(__dirname, '../..');
export const shots = join(repo, 'test-results', 'webview');
const chromiumPath = process.env.KPATH_CHROMIUM ?? '/usr/bin/chromium';
export const skip = !existsSync(chromiumPath) && !process.env.CI ? `no chromium at ${chromiumPath}` : false;
const nonce = 'kpathTestNonce0123456789abcdef';

const darkTheme = `:root {
  --vscode-font-family: sans-serif; --vscode-font-size: 13px; --vscode-editor-font-family: monospace;
  --vscode-foreground: #cccccc; --vscode-editor-background: #1e1e1e; --vscode-descriptionForeground: #9d9d9d;
  --vscode-panel-border: #3c3c3c; --vscode-editorWidget-background: #252526; --vscode-editorWidget-border: #454545;
  --vscode-sideBar-background: #181818; --vscode-focusBorder: #0078d4; --vscode-textLink-foreground: #4daafc;
  --vscode-errorForeground: #f85149; --vscode-inputValidation-errorBackground: #5a1d1d;
  --vscode-charts-red: #f14c4c; --vscode-charts-orange: #d18616; --vscode-charts-yellow: #cca700;
  --vscode-charts-green: #89d185; --vscode-charts-blue: #3794ff; --vscode-charts-purple: #b180d7;
  --vscode-button-background: #0078d4; --vscode-button-foreground: #fff;
  --vscode-button-secondaryBackground: #313131; --vscode-button-secondaryForeground: #ccc;
  --vscode-dropdown-background: #313131; --vscode-dropdown-foreground: #ccc; --vscode-list-hoverBackground: #2a2d2e;
  --vscode-input-background: #313131; --vscode-input-foreground: #ccc;
  --vscode-editor-selectionBackground: #264f78; --vscode-list-inactiveSelectionBackground: #37373d;
}`;

export interface PanelServer {
  origin: string;
  browser: Browser;
  close(): Promise<void>;
}

/** Serve the panel page on a free loopback port and launch chromium. */
export async function startPanelServer(): Promise<PanelServer> {
  const built = await esbuild.build({
    entryPoints: [join(repo, 'media/main.ts')],
    bundle: true,
    platform: 'browser',
    format: 'iife',
    target: 'es2022',
    write: false,
  });
  const script = built.outputFiles[0].text;
  const css = readFileSync(join(repo, 'media/styles.css'), 'utf8');
  let origin = '';
  const server = createServer((req, res) => {
    const body: Record<string, [string, string]> = {
      '/': [
        'text/html',
        panelHtml({ cspSource: origin, nonce, scriptUri: `${origin}/dist/webview.js`, styleUri: `${origin}/media/styles.css` }),
      ],
      '/dist/webview.js': ['text/javascript', script],
      '/media/styles.css': ['text/css', css],
      '/theme.css': ['text/css', darkTheme],
    };
    const hit = body[req.url ?? '/'];
    // The browser asks for a favicon on its own: no content, not an error.
    if (hit) {
      res.writeHead(200, { 'content-type': hit[0] });
      res.end(hit[1]);
    } else {
      res.writeHead(req.url === '/favicon.ico' ? 204 : 404);
      res.end();
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const browser = await chromium.launch({
    executablePath: chromiumPath,
    args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'],
  });
  mkdirSync(shots, { recursive: true });
  return {
    origin,
    browser,
    close: async () => {
      await browser.close();
      server.close();
    },
  };
}

/**
 * A new page of the panel: `initScript` (a string, not a function: tsx would wrap a function's inner
 * functions in a `__name` helper the page lacks) stubs acquireVsCodeApi; `ready` waits for the
 * webview's handshake; then the theme is applied from the page's own origin, which the CSP allows.
 */
export async function openPanelPage(
  s: PanelServer,
  initScript: string,
  ready: string,
  viewport: { width: number; height: number },
): Promise<{ page: Page; errors: string[] }> {
  const page = await s.browser.newPage({ viewport });
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  await page.addInitScript(initScript);
  await page.goto(`${s.origin}/`);
  await page.waitForFunction(ready);
  await page.evaluate(
    (href) =>
      new Promise<void>((res) => {
        const link = document.createElement('link');
        link.rel = 'stylesheet';
        link.href = href;
        link.onload = () => res();
        document.head.append(link);
      }),
    `${s.origin}/theme.css`,
  );
  return { page, errors };
}
