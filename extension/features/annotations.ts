// Automatic annotations, drawn from what the server already knows:
//  - a code lens on each function of the send() path: "send path · step 7 of 26 · next:
//    tcp_write_xmit", whose command opens the path panel at that function;
//  - a dotted underline (and a mark in the overview ruler) on each indirect call site, taken from
//    the server's own code lenses on the site (`kpath.showTargets`), with their title as hover.
// Nothing is asked of the server before its index is ready (indexReady.ts).
import * as vscode from 'vscode';
import type { Host, Session } from '../host';
import { sendPathRequest } from '../requests';
import { onIndexReady } from './indexReady';
import { lensTitle, steps, type Step } from './sendPathSteps';

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
    try {
      const p = await s.client.sendRequest(sendPathRequest, { family: 'ipv4' });
      if (session === s) {
        path = steps(p);
        lensesChanged.fire();
      }
    } catch (e) {
      host.output.warn(`annotations: kpath/sendPath: ${e instanceof Error ? e.message : String(e)}`);
    }
  };

  const decorate = async (editor: vscode.TextEditor) => {
    if (!session?.relative(editor.document.uri)) return;
    const lenses = await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', editor.document.uri).then(
      (l) => l ?? [],
      () => [],
    );
    const sites = lenses
      .filter((l) => l.command?.command === 'kpath.showTargets')
      .map((l): vscode.DecorationOptions => ({ range: l.range, hoverMessage: `indirect call · ${l.command!.title}` }));
    editor.setDecorations(indirect, sites);
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
              command: 'kpath.showSendPath',
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
