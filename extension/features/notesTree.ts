// The "kpath Notes" view: every note of the tree grouped by file, then the orphans (notes whose
// code was not found, with the reason), so that no note is ever out of sight.
import * as vscode from 'vscode';
import type { Note } from '../../server/notes/types';
import type { NotesModel } from './notesModel';

export const VIEW_ID = 'kpath.notes';
export const OPEN_COMMAND = 'kpath.notes.open';

type Node = { kind: 'file'; file: string } | { kind: 'orphans' } | { kind: 'note'; note: Note };

// The label is plain text: drop the commonest Markdown marks rather than show `**`. Only marks that
// Markdown itself takes as emphasis go: an underscore inside a word (`tcp_cwnd_test`, `__sys_sendto`)
// is part of the identifier.
const firstLine = (n: Note) =>
  ((n.comments[0]?.body ?? '').split('\n').find((l) => l.trim()) ?? '')
    .replace(/^#+\s*|^>\s*/, '')
    .replace(/`([^`]*)`/g, '$1')
    .replace(/\*\*(?=\S)(.+?)(?<=\S)\*\*/g, '$1')
    .replace(/(^|[^\w*])\*(?=\S)(.+?)(?<=\S)\*(?![\w*])/g, '$1$2')
    .replace(/(^|\W)(__?)(?=[^\s_])(.+?)(?<=\S)\2(?!\w)/g, '$1$3')
    .trim()
    .slice(0, 80);

export class NotesTree implements vscode.TreeDataProvider<Node>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<Node | undefined>();
  readonly onDidChangeTreeData = this.changed.event;

  constructor(private readonly model: () => NotesModel | undefined) {}

  refresh(): void {
    this.changed.fire(undefined);
  }
  dispose(): void {
    this.changed.dispose();
  }

  getChildren(node?: Node): Node[] {
    const m = this.model();
    if (!m) return [];
    const placed = m.notes.filter((n) => m.placed.has(n.id));
    if (!node) {
      const files = [...new Set(placed.map((n) => n.anchor.file))].sort();
      const out: Node[] = files.map((file) => ({ kind: 'file', file }));
      if (m.orphans.size > 0) out.push({ kind: 'orphans' });
      return out;
    }
    if (node.kind === 'file') {
      return placed
        .filter((n) => n.anchor.file === node.file)
        .sort((a, b) => m.placed.get(a.id)!.line - m.placed.get(b.id)!.line)
        .map((note) => ({ kind: 'note', note }));
    }
    if (node.kind === 'orphans') return m.notes.filter((n) => m.orphans.has(n.id)).map((note) => ({ kind: 'note', note }));
    return [];
  }

  getTreeItem(node: Node): vscode.TreeItem {
    const m = this.model()!;
    if (node.kind === 'file') {
      const item = new vscode.TreeItem(node.file, vscode.TreeItemCollapsibleState.Expanded);
      item.resourceUri = m.session.uriOf(node.file);
      item.iconPath = vscode.ThemeIcon.File;
      return item;
    }
    if (node.kind === 'orphans') {
      const item = new vscode.TreeItem(`Orphans (${m.orphans.size})`, vscode.TreeItemCollapsibleState.Expanded);
      item.tooltip = 'Notes whose code was not found in this tree: the file is gone, or the code changed too much.';
      item.iconPath = new vscode.ThemeIcon('warning');
      return item;
    }
    const n = node.note;
    const at = m.placed.get(n.id);
    const why = m.orphans.get(n.id);
    const line = (at?.line ?? n.anchor.line) + 1;
    const item = new vscode.TreeItem(`${why ? `${n.anchor.file}:` : ''}${line}: ${firstLine(n)}`, vscode.TreeItemCollapsibleState.None);
    item.id = n.id;
    item.description = [n.anchor.symbol, n.comments.length > 1 ? `${n.comments.length} comments` : '', n.resolved ? 'resolved' : '']
      .filter(Boolean)
      .join(' · ');
    const tip = new vscode.MarkdownString(undefined, false);
    tip.isTrusted = false;
    tip.supportHtml = false;
    if (why) tip.appendText(`Orphan: ${why}\n\n`);
    tip.appendText(`${n.anchor.text}\n\n`);
    tip.appendMarkdown(n.comments.map((c) => c.body).join('\n\n---\n\n'));
    item.tooltip = tip;
    item.iconPath = new vscode.ThemeIcon(why ? 'question' : n.resolved ? 'pass' : 'comment');
    item.contextValue = why ? 'kpath-orphan' : 'kpath-note';
    item.command = { command: OPEN_COMMAND, title: 'Open Note', arguments: [n.id] };
    return item;
  }
}
