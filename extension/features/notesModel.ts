// The notes of the open tree, in memory: loaded from the store, placed in the current text of their
// files (server/notes/anchor.ts), changed by the comment UI and saved at once (the store merges with
// other windows). Orphans (notes whose code cannot be found) are kept with the reason, not dropped.
import { randomUUID } from 'node:crypto';
import { userInfo } from 'node:os';
import * as vscode from 'vscode';
import { makeAnchor, reanchor } from '../../server/notes/anchor';
import { NotesFileBroken, NotesStore } from '../../server/notes/store';
import type { Note, NoteComment } from '../../server/notes/types';
import type { Session } from '../host';

export interface Placed {
  line: number;
  endLine: number;
}

const now = () => new Date().toISOString();
const author = (() => {
  try {
    return userInfo().username;
  } catch {
    return '';
  }
})();

export function newComment(body: string): NoteComment {
  const t = now();
  return { id: randomUUID(), author, body, created: t, updated: t };
}

export class NotesModel implements vscode.Disposable {
  notes: Note[] = [];
  /** Where each placed note is now (0-based lines). */
  readonly placed = new Map<string, Placed>();
  /** Why each orphan could not be placed. */
  readonly orphans = new Map<string, string>();
  /** Set while the notes file cannot be read: nothing is saved until it is fixed. */
  broken: NotesFileBroken | undefined;
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChange = this.changed.event;
  private readonly store: NotesStore;
  /** The saves under way, one after the other: each waits (without blocking) for another window's lock. */
  private saving: Promise<void> = Promise.resolve();
  private pendingSaves = 0;

  constructor(
    readonly session: Session,
    readonly file: string,
    private readonly output: vscode.LogOutputChannel,
  ) {
    this.store = new NotesStore(file);
  }

  dispose(): void {
    this.changed.dispose();
  }

  /** (Re-)read the notes file and place every note; after the saves under way, which it would undo. */
  async load(): Promise<void> {
    while (this.pendingSaves) await this.saving;
    try {
      this.notes = this.store.load();
      this.broken = undefined;
      if (this.store.warnings.length) this.warn(this.store.warnings);
    } catch (e) {
      this.report(e);
    }
    await this.placeAll();
  }

  /** Place the notes of every file, reading open documents from the editor and the rest from disk. */
  async placeAll(): Promise<void> {
    const files = [...new Set(this.notes.map((n) => n.anchor.file))];
    for (const f of files) this.placeFile(f, await this.textOf(f));
    this.changed.fire();
  }

  /** Re-place the notes of one file after an edit, telling the views if any moved. */
  replace(rel: string, text: string | undefined): void {
    if (this.notes.some((n) => n.anchor.file === rel) && this.placeFile(rel, text)) this.changed.fire();
  }

  /** Place the notes of one file in its current text (undefined: the file is gone). Returns whether any moved. */
  private placeFile(rel: string, text: string | undefined): boolean {
    let moved = false;
    for (const n of this.notes) {
      if (n.anchor.file !== rel) continue;
      const p = reanchor(n.anchor, text);
      if (p.orphan) {
        moved ||= !this.orphans.has(n.id);
        this.orphans.set(n.id, p.why);
        this.placed.delete(n.id);
        continue;
      }
      const before = this.placed.get(n.id);
      moved ||= !before || before.line !== p.line || before.endLine !== p.endLine || this.orphans.has(n.id);
      this.orphans.delete(n.id);
      this.placed.set(n.id, { line: p.line, endLine: p.endLine });
      n.anchor = p.anchor;
    }
    return moved;
  }

  private async textOf(rel: string): Promise<string | undefined> {
    const uri = this.session.uriOf(rel);
    // A file deleted on disk is gone even if an editor still holds its text.
    try {
      await vscode.workspace.fs.stat(uri);
    } catch {
      return undefined;
    }
    const open = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
    if (open) return open.getText();
    try {
      return new TextDecoder().decode(await vscode.workspace.fs.readFile(uri));
    } catch {
      return undefined;
    }
  }

  /** Add a note on lines `line..endLine` of a document of the tree. */
  add(doc: vscode.TextDocument, line: number, endLine: number, body: string): Note | undefined {
    const rel = this.session.relative(doc.uri);
    if (!rel) return undefined;
    const t = now();
    const note: Note = {
      id: randomUUID(),
      anchor: makeAnchor(rel, doc.getText(), line, endLine),
      resolved: false,
      comments: [newComment(body)],
      created: t,
      updated: t,
    };
    this.placed.set(note.id, { line: note.anchor.line, endLine: note.anchor.endLine });
    return this.change((notes) => {
      notes.push(note);
    })
      ? note
      : undefined;
  }

  get(id: string): Note | undefined {
    return this.notes.find((n) => n.id === id);
  }

  /** Change one note (its `updated` is bumped, so a merge prefers this change); false if not saved. */
  update(id: string, f: (n: Note) => void): boolean {
    return this.change((notes) => {
      const n = notes.find((x) => x.id === id);
      if (!n) return;
      f(n);
      n.updated = now();
    });
  }

  remove(id: string): boolean {
    return this.change((notes) => {
      const i = notes.findIndex((n) => n.id === id);
      if (i >= 0) notes.splice(i, 1);
    });
  }

  /**
   * Import notes (e.g. from Markdown). A note with a known id replaces ours unless ours changed
   * after it was exported: an export edited by hand carries the old dates, and its edits should win
   * over the same old version here, not over later work. Returns how many notes were added or changed.
   */
  merge(incoming: Note[]): number | undefined {
    let count = 0;
    const ok = this.change((notes) => {
      for (const n of incoming) {
        const i = notes.findIndex((x) => x.id === n.id);
        if (i < 0) {
          notes.push(n);
          count++;
          continue;
        }
        const same =
          JSON.stringify([n.comments, n.resolved, n.anchor]) === JSON.stringify([notes[i].comments, notes[i].resolved, notes[i].anchor]);
        if (same || n.updated < notes[i].updated) continue;
        // New dates on what changed, so that other windows' merges take the imported version.
        const t = now();
        const before = new Map(notes[i].comments.map((c) => [c.id, JSON.stringify(c)]));
        notes[i] = {
          ...n,
          updated: t,
          comments: n.comments.map((c) => (before.get(c.id) === JSON.stringify(c) ? c : { ...c, updated: t })),
        };
        count++;
      }
    });
    return ok ? count : undefined;
  }

  /** Save the anchors as re-placed in the current text (after a document is saved). */
  saveAnchors(): boolean {
    return this.change(() => undefined);
  }

  /**
   * Apply a change (shown at once) and save it, merged with other windows, adopting the result. A
   * save that fails (another window holds the lock for long, the disk) takes back every change not
   * yet saved, and says so. False when nothing can be saved (a broken notes file).
   */
  private change(f: (notes: Note[]) => void): boolean {
    if (this.broken) {
      this.report(this.broken);
      return false;
    }
    const next = structuredClone(this.notes);
    f(next);
    this.notes = next;
    void this.placeAll();
    this.pendingSaves++;
    this.saving = this.saving
      .then(async () => {
        try {
          // The notes as they are once the lock is held: changes made while waiting go in the same save.
          await this.store.save(
            () => this.notes,
            (merged) => {
              this.notes = merged;
            },
          );
        } catch (e) {
          this.report(e);
          this.notes = this.store.saved();
        } finally {
          this.pendingSaves--;
        }
        await this.placeAll();
      })
      .catch((e: unknown) => this.output.error(`notes: ${e instanceof Error ? e.message : String(e)}`));
    return true;
  }

  /** What reading the notes file changed to keep it within its limits (format.ts): logged, and said once. */
  private warn(warnings: readonly string[]): void {
    for (const w of warnings) this.output.warn(`notes: ${this.file}: ${w}`);
    void vscode.window.showWarningMessage(
      `kpath: ${warnings.length} note${warnings.length === 1 ? '' : 's'} in ${this.file} had anchors over the size limit, shortened (see the kpath output).`,
    );
  }

  private report(e: unknown): void {
    if (e instanceof NotesFileBroken) this.broken = e;
    const message = e instanceof Error ? e.message : String(e);
    this.output.error(`notes: ${message}`);
    void vscode.window.showErrorMessage(`kpath: ${message}`, 'Open Notes File').then((pick) => {
      if (pick) void vscode.window.showTextDocument(vscode.Uri.file(this.file));
    });
  }
}
