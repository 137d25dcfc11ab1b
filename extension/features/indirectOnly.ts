// Functions that are never called directly, only through a function pointer (an ops table, a
// callback field): marked at the end of their header line. The server lists them for a file
// (kpath/fileAnnotations), once per file version.
import * as vscode from 'vscode';
import type { Host, Session } from '../host';
import { fileAnnotationsRequest } from '../../server/protocolTypes';
import { onIndexReady } from './indexReady';

const DEBOUNCE_MS = 800;

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
    const version = doc.version;
    const found = await s.client
      .sendRequest(fileAnnotationsRequest, { uri: s.client.code2ProtocolConverter.asUri(doc.uri) })
      .catch((e: unknown) => {
        host.output.warn(`indirect-only marks: kpath/fileAnnotations: ${e instanceof Error ? e.message : String(e)}`);
        return undefined;
      });
    if (!found || session !== s || version !== doc.version) return;
    const marks = found.indirectOnly
      .filter((f) => f.line < doc.lineCount)
      .map((f): vscode.DecorationOptions => {
        const end = doc.lineAt(f.line).range.end;
        const via = f.slots.length ? f.slots.join(', ') : 'function pointers';
        return {
          range: new vscode.Range(end, end),
          hoverMessage: `No direct call: reached only through ${via} (${f.callers} caller${f.callers === 1 ? '' : 's'}).`,
          renderOptions: {
            after: { contentText: `only via ${f.slots[0] ?? 'a function pointer'}${f.slots.length > 1 ? ` +${f.slots.length - 1}` : ''}` },
          },
        };
      });
    done.set(doc.uri.toString(), { version, marks });
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
