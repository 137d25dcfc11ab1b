// kpath notes: add, edit, reply to and resolve notes on lines of the tree with VS Code's comments,
// list them (and the orphans) in the "kpath Notes" view, export them to Markdown and import them
// back. The notes live in one file per tree (server/notes/store.ts) and follow their code as it is
// edited: every change or opening of a document re-places the notes of that file.
import * as path from 'node:path';
import * as vscode from 'vscode';
import { fromMarkdown, toMarkdown } from '../../server/notes/markdown';
import { notesFilePath } from '../../server/notes/store';
import type { Host, Session } from '../host';
import { NotesModel, newComment } from './notesModel';
import { markdown, NoteCommentView, NoteThreads } from './notesThreads';
import { NotesTree, VIEW_ID } from './notesTree';

const EDIT_DEBOUNCE_MS = 300;

export function activate(host: Host): void {
  let model: NotesModel | undefined;
  let threads: NoteThreads | undefined;
  let live: vscode.Disposable[] = [];
  const tree = new NotesTree(() => model);
  const view = vscode.window.createTreeView(VIEW_ID, { treeDataProvider: tree, showCollapseAll: true });
  const timers = new Map<string, NodeJS.Timeout>();

  const detach = () => {
    live.forEach((d) => d.dispose());
    live = [];
    threads = undefined;
    model = undefined;
    tree.refresh();
  };

  const attach = async (session: Session | undefined) => {
    detach();
    if (!session) return;
    const setting = vscode.workspace.getConfiguration('kpath').get<string>('notesFile', '');
    // Outside a trusted workspace the folder's own settings could point the notes file anywhere.
    const file = notesFilePath(session.root.fsPath, vscode.workspace.isTrusted ? setting : '');
    const m = new NotesModel(session, file, host.output);
    const t = new NoteThreads(m);
    model = m;
    threads = t;
    // Another window (or git) changed the notes file: read it again.
    const watcher = vscode.workspace.createFileSystemWatcher(
      new vscode.RelativePattern(vscode.Uri.file(path.dirname(file)), path.basename(file)),
    );
    const reload = () => {
      if (model === m) void m.load();
    };
    // Files of the tree deleted, restored or rewritten on disk (git checkout, another kernel
    // version): place again the notes under what changed. One event can stand for a whole folder.
    const files = vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(session.root, '**/*'));
    let replaceTimer: NodeJS.Timeout | undefined;
    const touched = (uri: vscode.Uri) => {
      const rel = session.relative(uri);
      if (rel === undefined || model !== m || !m.notes.some((n) => n.anchor.file === rel || n.anchor.file.startsWith(`${rel}/`))) return;
      clearTimeout(replaceTimer);
      replaceTimer = setTimeout(() => void m.placeAll(), EDIT_DEBOUNCE_MS);
    };
    live.push(
      m,
      t,
      watcher,
      files,
      m.onDidChange(() => {
        t.sync();
        tree.refresh();
        updateMessage();
      }),
      watcher.onDidChange(reload),
      watcher.onDidCreate(reload),
      watcher.onDidDelete(reload),
      files.onDidDelete(touched),
      files.onDidCreate(touched),
      files.onDidChange(touched),
      { dispose: () => clearTimeout(replaceTimer) },
    );
    host.output.info(`notes: ${file}`);
    await m.load();
  };

  const updateMessage = () => {
    view.message = model?.broken
      ? `The notes file cannot be read: ${model.broken.reason}`
      : model && model.notes.length === 0
        ? 'No notes yet: use "kpath: Add Note" or the + in the gutter.'
        : undefined;
  };

  /** The note model, or an explanation when no kernel tree is open. */
  const need = (): NotesModel | undefined => {
    if (!model) host.session(true);
    return model;
  };

  const place = (doc: vscode.TextDocument) => {
    const m = model;
    const rel = m?.session.relative(doc.uri);
    if (!m || !rel) return;
    clearTimeout(timers.get(rel));
    timers.set(
      rel,
      setTimeout(() => {
        timers.delete(rel);
        if (model === m) m.replace(rel, doc.getText());
      }, EDIT_DEBOUNCE_MS),
    );
  };

  // Literal ids, so that the manifest test can match them with package.json.
  const commands: vscode.Disposable[] = [
    vscode.commands.registerCommand('kpath.notes.add', () => {
      const m = need();
      const editor = vscode.window.activeTextEditor;
      if (!m || !threads || !editor) return;
      if (!m.session.relative(editor.document.uri)) {
        void vscode.window.showInformationMessage('kpath: notes go on files of the kernel tree; this file is outside it.');
        return;
      }
      const s = editor.selection;
      const end = s.end.character === 0 && s.end.line > s.start.line ? s.end.line - 1 : s.end.line;
      const thread = threads.controller.createCommentThread(editor.document.uri, new vscode.Range(s.start.line, 0, end, 0), []);
      thread.collapsibleState = vscode.CommentThreadCollapsibleState.Expanded;
      thread.canReply = true;
    }),
    vscode.commands.registerCommand('kpath.notes.create', async (reply: vscode.CommentReply) => {
      const m = need();
      if (!m || !threads) return;
      const existing = threads.noteOf(reply.thread);
      if (existing) {
        m.update(existing, (n) => {
          n.comments.push(newComment(reply.text));
        });
        return;
      }
      const doc = await vscode.workspace.openTextDocument(reply.thread.uri);
      const r = reply.thread.range ?? new vscode.Range(0, 0, 0, 0);
      const note = m.add(doc, r.start.line, r.end.line, reply.text);
      if (note) threads.adopt(reply.thread, note.id);
      else reply.thread.dispose();
    }),
    vscode.commands.registerCommand('kpath.notes.reply', (reply: vscode.CommentReply) => {
      const id = threads?.noteOf(reply.thread);
      if (id)
        model?.update(id, (n) => {
          n.comments.push(newComment(reply.text));
        });
    }),
    vscode.commands.registerCommand('kpath.notes.edit', (c: NoteCommentView) => {
      c.mode = vscode.CommentMode.Editing;
      c.body = c.comment.body;
      c.thread.comments = [...c.thread.comments];
    }),
    vscode.commands.registerCommand('kpath.notes.saveEdit', (c: NoteCommentView) => {
      const text = c.text;
      c.mode = vscode.CommentMode.Preview;
      const ok = model?.update(c.noteId, (n) => {
        const x = n.comments.find((k) => k.id === c.comment.id);
        if (x) {
          x.body = text;
          x.updated = new Date().toISOString();
        }
      });
      if (!ok) {
        c.body = markdown(c.comment.body);
        c.thread.comments = [...c.thread.comments];
      }
    }),
    vscode.commands.registerCommand('kpath.notes.cancelEdit', (c: NoteCommentView) => {
      c.mode = vscode.CommentMode.Preview;
      c.body = markdown(c.comment.body);
      c.thread.comments = [...c.thread.comments];
    }),
    vscode.commands.registerCommand('kpath.notes.deleteComment', (c: NoteCommentView) => {
      const n = model?.get(c.noteId);
      if (!n) return;
      if (n.comments.length <= 1) model?.remove(n.id);
      else
        model?.update(n.id, (x) => {
          x.comments = x.comments.filter((k) => k.id !== c.comment.id);
        });
    }),
    vscode.commands.registerCommand('kpath.notes.resolve', (t: vscode.CommentThread) => {
      const id = threads?.noteOf(t);
      if (id)
        model?.update(id, (n) => {
          n.resolved = true;
        });
    }),
    vscode.commands.registerCommand('kpath.notes.reopen', (t: vscode.CommentThread) => {
      const id = threads?.noteOf(t);
      if (id)
        model?.update(id, (n) => {
          n.resolved = false;
        });
    }),
    vscode.commands.registerCommand('kpath.notes.delete', async (arg: vscode.CommentThread | { kind: 'note'; note: { id: string } }) => {
      const id = 'kind' in arg ? arg.note.id : threads?.noteOf(arg);
      const n = id ? model?.get(id) : undefined;
      if (!n) {
        if (!('kind' in arg)) arg.dispose();
        return;
      }
      const pick = await vscode.window.showWarningMessage(
        `Delete the note on ${n.anchor.file}:${n.anchor.line + 1}${n.comments.length > 1 ? ` and its ${n.comments.length - 1} replies` : ''}?`,
        { modal: true },
        'Delete',
      );
      if (pick === 'Delete') model?.remove(n.id);
    }),
    vscode.commands.registerCommand('kpath.notes.open', async (id: string) => {
      const m = need();
      const n = m?.get(id);
      if (!m || !n) return;
      const why = m.orphans.get(id);
      if (why) {
        void vscode.window.showWarningMessage(`kpath: this note could not be placed: ${why}.`);
        return;
      }
      const at = m.placed.get(id)!;
      await vscode.window.showTextDocument(m.session.uriOf(n.anchor.file), { selection: new vscode.Range(at.line, 0, at.line, 0) });
      threads?.expand(id);
    }),
    vscode.commands.registerCommand('kpath.notes.export', async () => {
      const m = need();
      if (!m) return;
      const target = await vscode.window.showSaveDialog({
        defaultUri: vscode.Uri.joinPath(m.session.root, 'kpath-notes.md'),
        filters: { Markdown: ['md'] },
        title: 'Export kpath notes to Markdown',
      });
      if (!target) return;
      const linkBase = path.relative(path.dirname(target.fsPath), m.session.root.fsPath).split(path.sep).join('/');
      const md = toMarkdown(m.notes, {
        title: `kpath notes: ${path.basename(m.session.root.fsPath)}`,
        linkBase,
        orphans: new Set(m.orphans.keys()),
      });
      await vscode.workspace.fs.writeFile(target, new TextEncoder().encode(md));
      await vscode.window.showTextDocument(target);
    }),
    vscode.commands.registerCommand('kpath.notes.import', async () => {
      const m = need();
      if (!m) return;
      const [source] =
        (await vscode.window.showOpenDialog({
          canSelectMany: false,
          filters: { Markdown: ['md'] },
          defaultUri: m.session.root,
          title: 'Import kpath notes from Markdown',
        })) ?? [];
      if (!source) return;
      let notes;
      try {
        notes = fromMarkdown(new TextDecoder().decode(await vscode.workspace.fs.readFile(source)));
      } catch (e) {
        void vscode.window.showErrorMessage(
          `kpath: ${path.basename(source.fsPath)}: ${e instanceof Error ? e.message : String(e)}. Nothing was imported.`,
        );
        return;
      }
      const changed = m.merge(notes);
      if (changed !== undefined)
        void vscode.window.showInformationMessage(
          `kpath: ${notes.length} note${notes.length === 1 ? '' : 's'} in ${path.basename(source.fsPath)}; ${changed} added or changed.`,
        );
    }),
    vscode.commands.registerCommand('kpath.notes.refresh', () => need()?.load()),
  ];

  host.context.subscriptions.push(
    view,
    tree,
    { dispose: detach },
    ...commands,
    host.onDidChangeSession((s) => void attach(s)),
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration('kpath.notesFile')) void attach(host.session());
    }),
    vscode.workspace.onDidOpenTextDocument(place),
    vscode.workspace.onDidChangeTextDocument((e) => {
      if (e.contentChanges.length) place(e.document);
    }),
    // The anchors follow the text as it is typed; they are written when the text is.
    vscode.workspace.onDidSaveTextDocument((doc) => {
      const m = model;
      const rel = m?.session.relative(doc.uri);
      if (!m || !rel || !m.notes.some((n) => n.anchor.file === rel)) return;
      clearTimeout(timers.get(rel));
      m.replace(rel, doc.getText());
      m.saveAnchors();
    }),
    vscode.workspace.onDidRenameFiles((e) => {
      const m = model;
      if (!m) return;
      for (const f of e.files) {
        const from = m.session.relative(f.oldUri),
          to = m.session.relative(f.newUri);
        if (!from || !to) continue;
        for (const n of m.notes.filter((x) => x.anchor.file === from))
          m.update(n.id, (x) => {
            x.anchor.file = to;
          });
      }
    }),
    { dispose: () => timers.forEach((t) => clearTimeout(t)) },
  );
  if (host.session()) void attach(host.session());
}
