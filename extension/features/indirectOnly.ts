// Functions that are never called directly, only through a function pointer (an ops table, a
// callback field): marked at the end of their header line. The server's call hierarchy already
// tells direct callers (detail = the file) from indirect ones (detail = "via <slot> · file"), so
// this asks it for the incoming calls of each function of a visible file, once per file version.
import * as vscode from 'vscode';
import { findSymbols } from '../../server/notes/symbols';
import type { Host, Session } from '../host';
import { onIndexReady } from './indexReady';

const MAX_FUNCTIONS = 400;
const DEBOUNCE_MS = 800;

/** An incoming call found through a pointer: the server says how (`via proto_ops.sendmsg …`). */
export const isIndirect = (detail: string | undefined): boolean => /^(via |indirect)/.test(detail ?? '');

export function activate(host: Host): void {
  let session: Session | undefined;
  let timer: NodeJS.Timeout | undefined;
  // The marks of each file version: an editor shown again is a new TextEditor without decorations.
  const done = new Map<string, { version: number; marks: vscode.DecorationOptions[] }>();
  const mark = vscode.window.createTextEditorDecorationType({
    after: { margin: '0 0 0 1.5em', color: new vscode.ThemeColor('editorCodeLens.foreground'), fontStyle: 'italic' },
  });

  const decorate = async (editor: vscode.TextEditor, s: Session) => {
    const doc = editor.document;
    if (!s.relative(doc.uri) || !/^(c|cpp)$/.test(doc.languageId)) return;
    const known = done.get(doc.uri.toString());
    if (known?.version === doc.version) {
      editor.setDecorations(mark, known.marks);
      return;
    }
    const text = doc.getText();
    const lines = text.split('\n');
    const marks: vscode.DecorationOptions[] = [];
    for (const sym of findSymbols(text)
      .filter((x) => x.kind === 'function')
      .slice(0, MAX_FUNCTIONS)) {
      const col = new RegExp(`\\b${sym.name}\\s*\\(`).exec(lines[sym.line])?.index;
      if (col === undefined) continue;
      const pos = new vscode.Position(sym.line, col);
      const items = await vscode.commands.executeCommand<vscode.CallHierarchyItem[]>('vscode.prepareCallHierarchy', doc.uri, pos).then(
        (r) => r ?? [],
        () => [],
      );
      if (items.length !== 1 || session !== s) continue;
      const calls = await vscode.commands.executeCommand<vscode.CallHierarchyIncomingCall[]>('vscode.provideIncomingCalls', items[0]).then(
        (r) => r ?? [],
        () => [],
      );
      if (calls.length === 0 || !calls.every((c) => isIndirect(c.from.detail))) continue;
      const slots = [...new Set(calls.map((c) => /^via (\S+)/.exec(c.from.detail ?? '')?.[1]).filter((x): x is string => !!x))];
      const end = lines[sym.line].length;
      marks.push({
        range: new vscode.Range(sym.line, end, sym.line, end),
        hoverMessage: `No direct call: reached only through ${slots.length ? slots.join(', ') : 'function pointers'} (${calls.length} caller${calls.length === 1 ? '' : 's'}).`,
        renderOptions: {
          after: { contentText: `only via ${slots[0] ?? 'a function pointer'}${slots.length > 1 ? ` +${slots.length - 1}` : ''}` },
        },
      });
    }
    if (session !== s || doc.version !== editor.document.version) return;
    done.set(doc.uri.toString(), { version: doc.version, marks });
    editor.setDecorations(mark, marks);
  };

  // Only a ready index knows every caller; until then nothing is marked (rather than wrongly).
  let readyFor: Session | undefined;
  const ready = onIndexReady(host, (s) => {
    readyFor = s;
    done.clear();
    schedule();
  });
  const schedule = () => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      const s = session;
      if (s && s === readyFor) for (const e of vscode.window.visibleTextEditors) void decorate(e, s);
    }, DEBOUNCE_MS);
  };

  host.context.subscriptions.push(
    mark,
    host.onDidChangeSession((s) => {
      session = s;
      done.clear();
    }),
    ready,
    vscode.window.onDidChangeVisibleTextEditors(schedule),
    // Callers change when files are re-indexed, which happens on save, not on every keystroke.
    vscode.workspace.onDidSaveTextDocument(() => {
      done.clear();
      ready.again();
    }),
    { dispose: () => clearTimeout(timer) },
  );
  session = host.session();
}
