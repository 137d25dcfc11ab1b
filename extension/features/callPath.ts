// kpath: Show Call Path… — pick two functions (fuzzy, from the workspace symbols as you type) and
// see the path between them in the same panel as the send() path.
import * as vscode from 'vscode';
import type { Host, Session } from '../host';
import { PathPanel } from './sendPathPanel';

interface FnItem extends vscode.QuickPickItem {
  fn: string;
}

const identifier = /^[A-Za-z_][A-Za-z0-9_]*$/;

async function pickFunction(session: Session, title: string, initial: string): Promise<string | undefined> {
  const qp = vscode.window.createQuickPick<FnItem>();
  qp.title = title;
  qp.placeholder = 'Type a function name';
  qp.value = initial;
  qp.matchOnDescription = true;
  let seq = 0;
  let timer: NodeJS.Timeout | undefined;
  const lookup = async (query: string) => {
    const mine = ++seq;
    if (!query) {
      qp.items = [];
      return;
    }
    qp.busy = true;
    try {
      const symbols =
        (await vscode.commands.executeCommand<vscode.SymbolInformation[] | undefined>('vscode.executeWorkspaceSymbolProvider', query)) ??
        [];
      if (mine !== seq) return;
      qp.items = symbols
        .filter((s) => s.kind === vscode.SymbolKind.Function || s.kind === vscode.SymbolKind.Method)
        .slice(0, 200)
        .map((s) => ({
          label: s.name,
          fn: s.name,
          description: `${session.relative(s.location.uri) ?? s.location.uri.fsPath}:${s.location.range.start.line + 1}`,
        }));
    } finally {
      if (mine === seq) qp.busy = false;
    }
  };
  return new Promise((resolve) => {
    qp.onDidChangeValue((v) => {
      clearTimeout(timer);
      timer = setTimeout(() => void lookup(v.trim()), 150);
    });
    qp.onDidAccept(() => {
      const picked = qp.selectedItems[0]?.fn ?? (identifier.test(qp.value.trim()) ? qp.value.trim() : undefined);
      if (picked) {
        resolve(picked);
        qp.hide();
      }
    });
    qp.onDidHide(() => {
      clearTimeout(timer);
      resolve(undefined);
      qp.dispose();
    });
    qp.show();
    void lookup(initial);
  });
}

export function activate(host: Host): void {
  host.context.subscriptions.push(
    vscode.commands.registerCommand('kpath.showCallPath', async (args?: { from?: string; to?: string }) => {
      const session = host.session(true);
      if (!session) return;
      // Start from the word under the cursor: usually the function one is reading.
      const editor = vscode.window.activeTextEditor;
      const range = editor?.document.getWordRangeAtPosition(editor.selection.active, /[A-Za-z_][A-Za-z0-9_]*/);
      const word = range ? editor!.document.getText(range) : '';
      const from = args?.from ?? (await pickFunction(session, 'kpath: call path from…', word));
      if (!from) return;
      const to = args?.to ?? (await pickFunction(session, `kpath: call path from ${from} to…`, ''));
      if (!to) return;
      PathPanel.show(host, { kind: 'call', params: { from, to } });
    }),
  );
}
