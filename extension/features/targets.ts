// kpath: Show Targets of Indirect Call — at the cursor (on `ops->sendmsg(...)` or an INDIRECT_CALL),
// or at the site of the server's code lens, ask the server which functions can be called there and
// list them in a quick pick in the server's order (hints first, then nearest folder first), which
// VS Code's peek would sort by path. With a configuration, what it does not compile is one row away.
// Moving through the rows previews each definition; the title bar's button peeks them all instead.
import * as vscode from 'vscode';
import type { IndirectTargets, TargetsParams } from '../../server/protocol';
import { openAt, type Host, type Session } from '../host';
import { targetsRequest } from '../../server/protocolTypes';
import { targetList, type Row, type Target } from './targetRows';

/** Rows passed over faster than this (a held arrow key) are not opened for preview. */
const PREVIEW_DELAY_MS = 120;

interface Item extends vscode.QuickPickItem {
  row: Row;
}

const peekButton: vscode.QuickInputButton = {
  iconPath: new vscode.ThemeIcon('references'),
  tooltip: "Peek All (in VS Code's peek, sorted by file)",
};

function isTargetsParams(x: unknown): x is TargetsParams {
  const p = x as Partial<TargetsParams> | undefined;
  return typeof p === 'object' && p !== null && typeof p.file === 'string' && typeof p.line === 'number' && typeof p.col === 'number';
}

function toItem(row: Row): Item {
  switch (row.kind) {
    case 'separator':
      return { label: row.label, kind: vscode.QuickPickItemKind.Separator, row };
    // Stays visible while the person filters: what is hidden may be what they are typing.
    case 'more':
      return { label: row.label, alwaysShow: true, row };
    case 'target':
      return { label: row.label, description: row.description, detail: row.detail, row };
  }
}

function locationOf(session: Session, t: Target): vscode.Location {
  return new vscode.Location(session.uriOf(t.fn.file), new vscode.Range(t.fn.line, t.fn.col, t.fn.line, t.fn.col + t.fn.name.length));
}

function showPick(host: Host, session: Session, editor: vscode.TextEditor, at: vscode.Position, result: IndirectTargets): void {
  const config = host.status()?.config;
  const label = config && !config.error ? config.label : undefined;
  const qp = vscode.window.createQuickPick<Item>();
  qp.matchOnDescription = true; // the file path: "ipv6" finds the IPv6 targets
  qp.buttons = [peekButton];
  let showAll = false;
  let shown: Target[] = [];
  /** The item made active by us, not by the person: not previewed. */
  let expected: Item | undefined;
  let previewed = false;
  let timer: NodeJS.Timeout | undefined;
  let after: (() => Promise<unknown>) | undefined;

  const fill = (activeTarget?: Target) => {
    const list = targetList(result, label, showAll);
    qp.title = list.title;
    qp.placeholder = list.placeholder;
    const items = list.rows.map(toItem);
    shown = list.rows.flatMap((r) => (r.kind === 'target' ? [r.target] : []));
    qp.items = items;
    expected = items.find((i) => i.row.kind === 'target' && i.row.target === activeTarget) ?? items.find((i) => i.row.kind !== 'separator');
    if (expected) qp.activeItems = [expected];
  };

  const preview = (t: Target) => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      previewed = true;
      const loc = locationOf(session, t);
      void vscode.window
        .showTextDocument(loc.uri, { selection: loc.range, preview: true, preserveFocus: true, viewColumn: editor.viewColumn })
        .then(undefined, (e: unknown) => host.output.warn(`preview of ${t.fn.file}: ${String(e)}`));
    }, PREVIEW_DELAY_MS);
  };

  qp.onDidChangeActive(([item]) => {
    if (!item || item === expected) return;
    expected = undefined;
    if (item.row.kind === 'target') preview(item.row.target);
  });
  qp.onDidAccept(() => {
    const item = qp.activeItems[0];
    if (!item) return;
    if (item.row.kind === 'more') {
      showAll = true;
      // Land on the first of the revealed rows.
      fill(result.targets.find((t) => t.fn.built === 'n'));
      return;
    }
    if (item.row.kind !== 'target') return;
    const t = item.row.target;
    after = () => openAt(session, t.fn, t.fn.name);
    qp.hide();
  });
  qp.onDidTriggerButton((b) => {
    if (b !== peekButton) return;
    const locations = shown.map((t) => locationOf(session, t));
    after = async () => {
      await vscode.window.showTextDocument(editor.document, { viewColumn: editor.viewColumn, selection: new vscode.Selection(at, at) });
      await vscode.commands.executeCommand('editor.action.peekLocations', editor.document.uri, at, locations, 'peek');
    };
    qp.hide();
  });
  qp.onDidHide(async () => {
    clearTimeout(timer);
    qp.dispose();
    try {
      if (after) await after();
      // Escape after a preview: back to where the person was.
      else if (previewed)
        await vscode.window.showTextDocument(editor.document, { viewColumn: editor.viewColumn, selection: editor.selection });
    } catch (e) {
      void vscode.window.showErrorMessage(`kpath: ${e instanceof Error ? e.message : String(e)}`);
    }
  });
  fill();
  qp.show();
}

export function activate(host: Host): void {
  host.context.subscriptions.push(
    vscode.commands.registerTextEditorCommand('kpath.showTargets', async (editor, _edit, args?: unknown) => {
      const session = host.session(true);
      if (!session) return;
      const doc = editor.document;
      // From the server's code lens the site comes as an argument; from the palette, the cursor.
      let params: TargetsParams;
      let at: vscode.Position;
      if (isTargetsParams(args)) {
        params = args;
        at = new vscode.Position(args.line, args.col);
      } else {
        const file = session.relative(doc.uri);
        if (!file) {
          void vscode.window.showInformationMessage('kpath: this file is not inside the kernel tree being indexed.');
          return;
        }
        at = editor.selection.active;
        params = { file, line: at.line, col: at.character, uri: doc.uri.toString() };
      }
      let result: IndirectTargets | null;
      try {
        result = await session.client.sendRequest(targetsRequest, params);
      } catch (e) {
        void vscode.window.showErrorMessage(`kpath: ${e instanceof Error ? e.message : String(e)}`);
        return;
      }
      if (!result) {
        void vscode.window.showInformationMessage('kpath: no indirect call at the cursor.');
        return;
      }
      if (result.targets.length === 0) {
        void vscode.window.showInformationMessage(
          `kpath: no target found for ${result.slot || 'this call'}${result.unresolved ? `: ${result.unresolved}` : ''}.`,
        );
        return;
      }
      showPick(host, session, editor, at, result);
    }),
  );
}
