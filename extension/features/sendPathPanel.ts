// The panel that shows a path (the send() path, the receive path's two legs, or a call path between
// two functions): it asks the server, hands the answer to the webview, opens what the person clicks,
// asks again when a target or a branch is switched or when the index it waited for is ready, and
// comes back after a window reload through its serializer.
import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';
import type { CallPath } from '../../server/protocol';
import {
  isFromWebview,
  whyNotFromWebview,
  type FromWebview,
  type PathQuery,
  type ToWebview,
  type WebviewState,
} from '../../media/messages';
import { panelHtml } from '../../media/panelHtml';
import { queryTitle, switchQuery } from '../../media/query';
import { notIndexedReason } from '../../media/views/pathModel';
import { fileInTree } from '../../server/treePath';
import { openAt, type Host } from '../host';
import { openModelFunction } from './simulationLinks';
import { callPathRequest, recvPathRequest, sendPathRequest } from '../../server/protocolTypes';
import { answerScriptRequest, isScriptRequest } from './simulationScripts';

export const viewType = 'kpath.path';

export class PathPanel {
  private static current: PathPanel | undefined;

  private query: PathQuery | undefined;
  /** The legs on screen (one, or the receive path's deliver and read). */
  private legs: CallPath[] = [];
  /** Whether the latest ask was answered with a path; until then a ready index is a reason to ask again. */
  private answered = false;
  private retries = 0;
  private ready = false;
  /** The last thing to show; posted when the webview says it is ready, or at once if it is. */
  private pending: ToWebview | undefined;
  private pendingFocus: ToWebview | undefined;
  private seq = 0;
  private readonly disposables: vscode.Disposable[] = [];

  /** Show a query in the panel, creating the panel if there is none. */
  static show(host: Host, query: PathQuery, focus?: string): PathPanel {
    if (!PathPanel.current) {
      const panel = vscode.window.createWebviewPanel(
        viewType,
        queryTitle(query),
        { viewColumn: vscode.ViewColumn.Beside, preserveFocus: false },
        PathPanel.options(host),
      );
      PathPanel.current = new PathPanel(panel, host);
    } else {
      PathPanel.current.panel.reveal(undefined, false);
    }
    void PathPanel.current.ask(query, focus);
    return PathPanel.current;
  }

  static options(host: Host): vscode.WebviewPanelOptions & vscode.WebviewOptions {
    const ext = host.context.extensionUri;
    return {
      enableScripts: true,
      // The webview loads nothing but our bundle and stylesheet.
      localResourceRoots: [vscode.Uri.joinPath(ext, 'media'), vscode.Uri.joinPath(ext, 'dist')],
      enableFindWidget: true,
    };
  }

  constructor(
    private readonly panel: vscode.WebviewPanel,
    private readonly host: Host,
  ) {
    PathPanel.current = this;
    const webview = panel.webview;
    webview.options = PathPanel.options(host);
    const ext = host.context.extensionUri;
    webview.html = panelHtml({
      cspSource: webview.cspSource,
      nonce: randomBytes(16).toString('base64'),
      scriptUri: webview.asWebviewUri(vscode.Uri.joinPath(ext, 'dist', 'webview.js')).toString(),
      styleUri: webview.asWebviewUri(vscode.Uri.joinPath(ext, 'media', 'styles.css')).toString(),
    });
    panel.iconPath = vscode.Uri.joinPath(ext, 'media', 'icon.svg');
    this.disposables.push(
      webview.onDidReceiveMessage((m: unknown) => {
        if (!isFromWebview(m)) {
          host.output.warn(`panel: ignored a message from the webview: ${whyNotFromWebview(m)}`);
          return;
        }
        // Nothing a message does may end in a rejected promise that no one awaits.
        this.onMessage(m).catch((e: unknown) => host.output.error(`panel: ${m.type}: ${e instanceof Error ? e.message : String(e)}`));
      }),
      panel.onDidDispose(() => this.dispose()),
      // When the server comes back (restart, new tree root), what is on screen may be stale.
      host.onDidChangeSession((s) => {
        if (s && this.query) void this.ask(this.query, undefined, false);
      }),
      // After a window reload the panel asks before the server runs or its index is built (an early
      // request can be answered 'not indexed', or not at all): it asks again once the index is ready.
      host.onDidChangeStatus((st) => {
        if (st.state === 'ready' && !this.answered && this.query) void this.ask(this.query, undefined, false);
      }),
    );
  }

  /** Ask the server for a query and show the answer; a later ask wins over an earlier one. */
  async ask(query: PathQuery, focus?: string, explain = true): Promise<void> {
    const seq = ++this.seq;
    this.query = query;
    this.answered = false;
    const title = queryTitle(query);
    this.panel.title = title;
    this.post({ type: 'loading', query, title });
    // A panel restored at startup asks before the server is started: it waits for it, without a warning.
    const session = this.host.session(explain);
    if (!session) {
      if (explain) this.post({ type: 'error', query, title, message: 'No kernel tree is open, so there is no index to ask.' });
      else this.post({ type: 'loading', query, title, message: 'Waiting for the language server to start…' });
      return;
    }
    try {
      const legs =
        query.kind === 'send'
          ? [await session.client.sendRequest(sendPathRequest, query.params)]
          : query.kind === 'recv'
            ? await session.client.sendRequest(recvPathRequest, query.params).then((r) => [r.deliver, r.read])
            : [await session.client.sendRequest(callPathRequest, query.params)];
      if (seq !== this.seq) return;
      const notYet = legs.map(notIndexedReason).find((r) => r !== undefined);
      if (notYet !== undefined) {
        // Not a path: the server has no index yet. Say so, and ask again when the status says ready.
        this.post({ type: 'loading', query, title, message: `Waiting for the index: ${notYet}…` });
        if (this.host.status()?.state === 'ready' && this.retries++ < maxRetries)
          setTimeout(() => seq === this.seq && void this.ask(query, focus, false), retryMs);
        return;
      }
      this.retries = 0;
      this.answered = true;
      this.legs = legs;
      this.post({ type: 'path', query, title, path: legs[0], read: legs[1] });
      if (focus) this.post({ type: 'focus', name: focus });
    } catch (e) {
      if (seq !== this.seq) return;
      const message = e instanceof Error ? e.message : String(e);
      this.host.output.warn(`kpath/${query.kind}Path failed: ${message}`);
      this.post({ type: 'error', query, title, message: `The server could not compute this path: ${message}` });
    }
  }

  private post(m: ToWebview): void {
    // Only the latest state matters to a webview that is not listening yet; a focus asked for
    // before it listens (a code lens opening a new panel at a step) is sent after that state.
    if (m.type !== 'focus') {
      this.pending = m;
      this.pendingFocus = undefined;
    } else this.pendingFocus = m;
    if (this.ready) void this.panel.webview.postMessage(m);
  }

  private async onMessage(m: FromWebview): Promise<void> {
    // The simulation's scripts: answered straight to the webview, not kept as the pending state.
    if (isScriptRequest(m)) {
      void this.panel.webview.postMessage(await answerScriptRequest(this.host.session(false), m));
      return;
    }
    switch (m.type) {
      case 'ready':
        this.ready = true;
        if (this.pending) void this.panel.webview.postMessage(this.pending);
        if (this.pendingFocus) void this.panel.webview.postMessage(this.pendingFocus);
        return;
      case 'open': {
        const session = this.host.session(true);
        if (!session) return;
        // Only a file of the tree: the webview names files the server gave it, never others.
        const file = fileInTree(session.root.fsPath, m.location.file);
        if (!file) {
          this.host.output.warn(`panel: ignored a request to open ${JSON.stringify(m.location.file)}, which is not a file of the tree`);
          return;
        }
        const name = 'name' in m.location && typeof m.location.name === 'string' ? m.location.name : undefined;
        try {
          await openAt(session, { file, line: m.location.line, col: m.location.col }, name);
        } catch (e) {
          void vscode.window.showErrorMessage(`kpath: cannot open ${file}: ${e instanceof Error ? e.message : String(e)}`);
        }
        return;
      }
      case 'openStep':
        await openModelFunction(this.host, m.fn);
        return;
      case 'switch':
        if (this.query && this.legs[m.leg ?? 0]) await this.ask(switchQuery(this.query, this.legs[m.leg ?? 0], m.hop, m.through));
        return;
      case 'query':
        await this.ask(m.query);
        return;
    }
  }

  private dispose(): void {
    if (PathPanel.current === this) PathPanel.current = undefined;
    this.disposables.forEach((d) => d.dispose());
  }
}

/** The status may say ready a moment before the server answers from the new index. */
const retryMs = 1500;
const maxRetries = 10;

export function activate(host: Host): void {
  host.context.subscriptions.push(
    vscode.window.registerWebviewPanelSerializer(viewType, {
      async deserializeWebviewPanel(panel: vscode.WebviewPanel, state: unknown) {
        const p = new PathPanel(panel, host);
        // The webview draws its saved path by itself; ask the server again for a fresh one.
        const saved = state as WebviewState | undefined;
        if (saved?.query) await p.ask(saved.query, undefined, false);
      },
    }),
  );
}
