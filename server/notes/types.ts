// The shape of a note as stored in `<tree>/.kpath/notes.json`. Plain data, no `vscode` import:
// the store, the anchoring and the Markdown export/import are pure and unit-tested.

/** Where a note sits, described so that it can be found again after the code moves. */
export interface NoteAnchor {
  /** Path relative to the tree root, '/'-separated; never absolute, never with `..`. */
  file: string;
  /** 0-based first line, as last seen. A hint only: the fields below decide. */
  line: number;
  /** 0-based last line of a range note (equal to `line` for a one-line note). */
  endLine: number;
  /** The enclosing function, struct or initialized object, when there is one. */
  symbol?: string;
  symbolKind?: SymbolKind;
  /** `line` minus the line of the symbol's name. */
  offset?: number;
  /** The text of `line`, whitespace-collapsed. */
  text: string;
  /** Up to two lines before and after `line`, whitespace-collapsed: tie-breakers for a line that repeats. */
  before: string[];
  after: string[];
}

export type SymbolKind = 'function' | 'struct' | 'object';

export interface NoteComment {
  id: string;
  author: string;
  /** Markdown; shown untrusted, without HTML. */
  body: string;
  /** ISO 8601. */
  created: string;
  /** ISO 8601 of the last edit; merging keeps the later of two versions of a comment. */
  updated: string;
}

export interface Note {
  id: string;
  anchor: NoteAnchor;
  resolved: boolean;
  comments: NoteComment[];
  created: string;
  /** ISO 8601 of the last change to the note's own fields (anchor, resolved). */
  updated: string;
}

export interface NotesDocument {
  version: 1;
  notes: Note[];
}
