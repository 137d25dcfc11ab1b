// Automatic annotations, drawn from what the server already knows:
//  - a code lens on each function of the send() and receive paths: "send path · step 7 of 26 ·
//    next: tcp_write_xmit", "receive path · step 15 of 27 · next: tcp_v4_do_rcv", whose command
//    opens the path panel on that path at that function;
//  - a dotted underline (and a mark in the overview ruler) on each indirect call site the server
//    lists for the file (kpath/fileAnnotations), with its code lens's title as hover.
// Nothing is asked of the server before its index is ready (indexReady.ts).
import * as vscode from 'vscode';
import type { Host, Session } from '../host';
import { fileAnnotationsRequest, recvPathRequest, sendPathRequest } from '../../server/protocolTypes';
import { onIndexReady } from './indexReady';
import { lensTitle, recvSteps, steps, type Step } from './sendPathSteps';

const DECORATE_DEBOUNCE_MS = 600;

export function activate(host: Host): void {
  let session: Session | undefined;
  let path: Step[] = [];
  let decorateTimer: NodeJS.Timeout | undefined;
  const lensesChanged = new vscode.EventEmitter<void>();
  const indirect = vscode.window.createTextEditorDecorationType({
    textDecoration: 'underline dotted',
    overviewRulerColor: new vscode.ThemeColor('editorInfo.foreground'),
    overviewRulerLane: vscode.OverviewRulerLane.Right,
  });

  const fetchPath = async (s: Session) => {
    // Each path on its own: a tree without a receive path keeps its send-path lenses.
    const ask = <T>(method: string, p: Promise<T>) =>
      p.catch((e: unknown) => {
        host.output.warn(`annotations: ${method}: ${e instanceof Error ? e.message : String(e)}`);
        return undefined;
      });
    const [send, recv] = await Promise.all([
      ask('kpath/sendPath', s.client.sendRequest(sendPathRequest, { family: 'ipv4' })),
      ask('kpath/recvPath', s.client.sendRequest(recvPathRequest, { family: 'ipv4' })),
    ]);
    if (session === s) {
      path = [...(send ? steps(send) : []), ...(recv ? recvSteps(recv) : [])];
      lensesChanged.fire();
    }
  };

  const decorate = async (editor: vscode.TextEditor) => {
    const s = session;
    if (!s?.relative(editor.document.uri)) return;
    const uri = s.client.code2ProtocolConverter.asUri(editor.document.uri);
    const found = await s.client.sendRequest(fileAnnotationsRequest, { uri }).catch((e: unknown) => {
      host.output.warn(`annotations: kpath/fileAnnotations: ${e instanceof Error ? e.message : String(e)}`);
      return undefined;
    });
    if (!found || session !== s) return;
    editor.setDecorations(
      indirect,
      found.sites.map((site) => ({
        range: new vscode.Range(site.line, site.col, site.line, Math.max(site.col, site.endCol)),
        hoverMessage: `indirect call · ${site.title}`,
      })),
    );
  };
  const scheduleDecorate = () => {
    clearTimeout(decorateTimer);
    decorateTimer = setTimeout(() => {
      for (const e of vscode.window.visibleTextEditors) void decorate(e);
    }, DECORATE_DEBOUNCE_MS);
  };

  const attach = (s: Session | undefined) => {
    session = s;
    path = [];
    lensesChanged.fire();
  };
  const ready = onIndexReady(host, async (s) => {
    await fetchPath(s);
    scheduleDecorate();
  });

  const provider: vscode.CodeLensProvider = {
    onDidChangeCodeLenses: lensesChanged.event,
    provideCodeLenses(doc) {
      const rel = session?.relative(doc.uri);
      if (!rel) return [];
      return path
        .filter((s) => s.fn.file === rel && s.fn.line < doc.lineCount)
        .map(
          (s) =>
            new vscode.CodeLens(new vscode.Range(s.fn.line, 0, s.fn.line, 0), {
              title: lensTitle(s),
              command: s.direction === 'recv' ? 'kpath.showRecvPath' : 'kpath.showSendPath',
              arguments: [{ focus: s.fn.name }],
            }),
        );
    },
  };

  host.context.subscriptions.push(
    lensesChanged,
    indirect,
    ready,
    vscode.languages.registerCodeLensProvider(
      [
        { scheme: 'file', language: 'c' },
        { scheme: 'file', language: 'cpp' },
      ],
      provider,
    ),
    host.onDidChangeSession(attach),
    vscode.window.onDidChangeVisibleTextEditors(scheduleDecorate),
    vscode.workspace.onDidChangeTextDocument((e) => {
      if (e.contentChanges.length && session?.relative(e.document.uri)) scheduleDecorate();
    }),
    // A saved C file is re-indexed by the server; the path may change with it.
    vscode.workspace.onDidSaveTextDocument((doc) => {
      if (session?.relative(doc.uri) && /\.[ch]$/.test(doc.fileName)) ready.again();
    }),
    { dispose: () => clearTimeout(decorateTimer) },
  );
  attach(host.session());
}
