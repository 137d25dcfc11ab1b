// The notes as VS Code comment threads: one thread per placed note, kept in step with the model.
// Bodies are Markdown shown untrusted and without HTML: a note shared by someone else must not be
// able to run a command link or inject markup.
import * as vscode from 'vscode';
import type { Note, NoteComment } from '../../server/notes/types';
import type { NotesModel } from './notesModel';

export const CONTROLLER_ID = 'kpath.notes';

export function markdown(body: string): vscode.MarkdownString {
  const md = new vscode.MarkdownString(body, false);
  md.isTrusted = false;
  md.supportHtml = false;
  return md;
}

/** One reply as the comment widget shows it; `raw` is what an edit starts from. */
export class NoteCommentView implements vscode.Comment {
  body: string | vscode.MarkdownString;
  mode = vscode.CommentMode.Preview;
  readonly author: vscode.CommentAuthorInformation;
  readonly timestamp: Date;
  readonly contextValue = 'kpath-note-comment';
  readonly label: string | undefined;

  constructor(
    readonly noteId: string,
    readonly comment: NoteComment,
    readonly thread: vscode.CommentThread,
  ) {
    this.body = markdown(comment.body);
    this.author = { name: comment.author || 'someone' };
    this.timestamp = new Date(comment.created);
    this.label = comment.updated !== comment.created ? 'edited' : undefined;
  }

  /** The text typed into the widget while editing (VS Code hands it back as a string). */
  get text(): string {
    return typeof this.body === 'string' ? this.body : this.body.value;
  }
}

export class NoteThreads implements vscode.Disposable {
  readonly controller = vscode.comments.createCommentController(CONTROLLER_ID, 'kpath notes');
  private readonly threads = new Map<string, vscode.CommentThread>();
  private readonly ids = new WeakMap<vscode.CommentThread, string>();
  /** What each thread last showed: re-rendering an unchanged thread would flicker while typing. */
  private readonly shown = new WeakMap<vscode.CommentThread, string>();

  constructor(private readonly model: NotesModel) {
    this.controller.options = { prompt: 'Reply (Markdown)…', placeHolder: 'A note on this line, in Markdown' };
    // Notes can go on any line of a file of the tree.
    this.controller.commentingRangeProvider = {
      provideCommentingRanges: (doc) =>
        model.session.relative(doc.uri) ? [new vscode.Range(0, 0, Math.max(0, doc.lineCount - 1), 0)] : [],
    };
  }

  dispose(): void {
    for (const t of this.threads.values()) t.dispose();
    this.controller.dispose();
  }

  noteOf(thread: vscode.CommentThread): string | undefined {
    return this.ids.get(thread);
  }

  /** A thread the person opened (the gutter's +) becomes the thread of the note created from it. */
  adopt(thread: vscode.CommentThread, id: string): void {
    this.threads.get(id)?.dispose();
    this.threads.set(id, thread);
    this.ids.set(thread, id);
    this.sync();
  }

  /** Open a note's thread in its editor. */
  expand(id: string): void {
    const t = this.threads.get(id);
    if (t) t.collapsibleState = vscode.CommentThreadCollapsibleState.Expanded;
  }

  /** Make the threads match the model: create, move, update, dispose. */
  sync(): void {
    const live = new Set<string>();
    for (const note of this.model.notes) {
      const at = this.model.placed.get(note.id);
      if (!at) continue;
      live.add(note.id);
      const range = new vscode.Range(at.line, 0, at.endLine, 0);
      let t = this.threads.get(note.id);
      if (!t) {
        t = this.controller.createCommentThread(this.model.session.uriOf(note.anchor.file), range, []);
        t.collapsibleState = vscode.CommentThreadCollapsibleState.Collapsed;
        this.threads.set(note.id, t);
        this.ids.set(t, note.id);
      } else if (!t.range || !t.range.isEqual(range)) {
        t.range = range;
      }
      this.render(t, note);
    }
    for (const [id, t] of this.threads) {
      if (!live.has(id)) {
        t.dispose();
        this.threads.delete(id);
      }
    }
  }

  private render(t: vscode.CommentThread, note: Note): void {
    const sig = JSON.stringify([note.comments, note.resolved, note.anchor.symbol]);
    if (this.shown.get(t) === sig) return;
    this.shown.set(t, sig);
    // Keep a comment that is being edited as it is, or the edit would be thrown away.
    const editing = new Map(
      t.comments
        .filter((c) => c instanceof NoteCommentView && c.mode === vscode.CommentMode.Editing)
        .map((c) => [(c as NoteCommentView).comment.id, c]),
    );
    t.comments = note.comments.map((c) => editing.get(c.id) ?? new NoteCommentView(note.id, c, t));
    t.label = note.anchor.symbol ? `${note.anchor.symbol}${note.resolved ? ' · resolved' : ''}` : note.resolved ? 'resolved' : undefined;
    t.contextValue = note.resolved ? 'kpath-resolved' : 'kpath-open';
    t.state = note.resolved ? vscode.CommentThreadState.Resolved : vscode.CommentThreadState.Unresolved;
    t.canReply = true;
  }
}
