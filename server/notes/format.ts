// notes.json as text: a fixed key order, notes sorted by file, line and id, two-space indent and a
// final newline, so that the file diffs well in git; and a strict reader that names what is wrong
// in a hand-edited file instead of guessing (a guess followed by a save would lose notes).
import { capAnchor } from './anchor';
import { checkRelativePath } from '../treePath';
import type { Note, NoteAnchor, NoteComment, NotesDocument, SymbolKind } from './types';

export class NotesFormatError extends Error {}

function anchorOut(anchor: NoteAnchor): NoteAnchor {
  const a = capAnchor(anchor).anchor;
  return {
    file: a.file,
    line: a.line,
    endLine: a.endLine,
    ...(a.symbol !== undefined ? { symbol: a.symbol, symbolKind: a.symbolKind, offset: a.offset } : {}),
    text: a.text,
    before: [...a.before],
    after: [...a.after],
  };
}
const commentOut = (c: NoteComment): NoteComment => ({ id: c.id, author: c.author, created: c.created, updated: c.updated, body: c.body });

export function sortNotes(notes: readonly Note[]): Note[] {
  return [...notes].sort((x, y) =>
    x.anchor.file !== y.anchor.file
      ? x.anchor.file < y.anchor.file
        ? -1
        : 1
      : x.anchor.line !== y.anchor.line
        ? x.anchor.line - y.anchor.line
        : x.id < y.id
          ? -1
          : x.id > y.id
            ? 1
            : 0,
  );
}

export function serialize(notes: readonly Note[]): string {
  const doc: NotesDocument = {
    version: 1,
    notes: sortNotes(notes).map((n) => ({
      id: n.id,
      anchor: anchorOut(n.anchor),
      resolved: n.resolved,
      created: n.created,
      updated: n.updated,
      comments: n.comments.map(commentOut),
    })),
  };
  return `${JSON.stringify(doc, null, 2)}\n`;
}

// ---- Reading, strictly ----

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

function str(o: Obj, k: string, where: string): string {
  if (typeof o[k] !== 'string') throw new NotesFormatError(`${where}: "${k}" must be a string`);
  return o[k] as string;
}
function int(o: Obj, k: string, where: string): number {
  const v = o[k];
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) throw new NotesFormatError(`${where}: "${k}" must be a whole number ≥ 0`);
  return v;
}
function strings(o: Obj, k: string, where: string): string[] {
  const v = o[k];
  if (v === undefined) return [];
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) throw new NotesFormatError(`${where}: "${k}" must be a list of strings`);
  return v as string[];
}

/** Told of what a reader changed to keep a file within its limits (the note is kept). */
export type Warn = (message: string) => void;

export function readAnchor(v: unknown, where: string, warn?: Warn): NoteAnchor {
  if (!isObj(v)) throw new NotesFormatError(`${where}: "anchor" must be an object`);
  const file = checkRelativePath(v.file);
  if (!file.ok) throw new NotesFormatError(`${where}: ${file.why}`);
  const line = int(v, 'line', where);
  const endLine = v.endLine === undefined ? line : int(v, 'endLine', where);
  const kinds: SymbolKind[] = ['function', 'struct', 'object'];
  let symbol: Pick<NoteAnchor, 'symbol' | 'symbolKind' | 'offset'> = {};
  if (v.symbol !== undefined) {
    const kind = v.symbolKind ?? 'function';
    if (!kinds.includes(kind as SymbolKind)) throw new NotesFormatError(`${where}: "symbolKind" must be one of ${kinds.join(', ')}`);
    symbol = { symbol: str(v, 'symbol', where), symbolKind: kind as SymbolKind, offset: int(v, 'offset', where) };
  }
  const { anchor, cut } = capAnchor({
    file: file.path,
    line,
    endLine: Math.max(line, endLine),
    ...symbol,
    text: str(v, 'text', where),
    before: strings(v, 'before', where),
    after: strings(v, 'after', where),
  });
  if (cut) warn?.(`${where}: ${cut}`);
  return anchor;
}

function readComment(v: unknown, where: string): NoteComment {
  if (!isObj(v)) throw new NotesFormatError(`${where}: a comment must be an object`);
  const created = str(v, 'created', where);
  return {
    id: str(v, 'id', where),
    author: typeof v.author === 'string' ? v.author : '',
    body: str(v, 'body', where),
    created,
    updated: typeof v.updated === 'string' ? v.updated : created,
  };
}

export function readNote(v: unknown, where: string, warn?: Warn): Note {
  if (!isObj(v)) throw new NotesFormatError(`${where}: a note must be an object`);
  const id = str(v, 'id', where);
  where = `${where} (id ${id})`;
  if (!Array.isArray(v.comments)) throw new NotesFormatError(`${where}: "comments" must be a list`);
  const created = str(v, 'created', where);
  return {
    id,
    anchor: readAnchor(v.anchor, where, warn),
    resolved: v.resolved === true,
    comments: v.comments.map((c, k) => readComment(c, `${where}, comment ${k + 1}`)),
    created,
    updated: typeof v.updated === 'string' ? v.updated : created,
  };
}

/** Parse notes.json; throws NotesFormatError saying where it is broken, `warn`s of what it shortened. */
export function parse(text: string, warn?: Warn): Note[] {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new NotesFormatError(`not valid JSON: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (!isObj(doc)) throw new NotesFormatError('the top level must be an object with "version" and "notes"');
  if (doc.version !== 1) throw new NotesFormatError(`unknown version ${JSON.stringify(doc.version)} (this kpath reads version 1)`);
  if (!Array.isArray(doc.notes)) throw new NotesFormatError('"notes" must be a list');
  const notes = doc.notes.map((n, i) => readNote(n, `note ${i + 1}`, warn));
  const seen = new Set<string>();
  for (const n of notes) {
    if (seen.has(n.id)) throw new NotesFormatError(`two notes have the id ${n.id}`);
    seen.add(n.id);
  }
  return notes;
}
