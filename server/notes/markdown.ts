// Notes as one Markdown document, to read, print or share without kpath: a section per file, a
// heading per note linking to file:line, the replies below. Each note and reply carries its data in
// an HTML comment (invisible when rendered) so that the document can be imported back losslessly;
// a reply's body sits between an opening and a closing marker that names its id, so a body that
// itself mentions a marker cannot cut it short, and a body line that is a closing marker is written
// with one more backslash in front (and read back with one less). Line ends inside a body are kept
// as they are (CRLF stays CRLF) unless an editor converted the whole document.
import { NotesFormatError, readAnchor, sortNotes } from './format';
import type { Note, NoteAnchor, NoteComment } from './types';

const NOTE = /^<!-- kpath-note (\{.*\}) -->$/;
const COMMENT = /^<!-- kpath-comment (\{.*\}) -->$/;
const END = (id: string) => `<!-- /kpath-comment ${id} -->`;
/** A body line that reads as a closing marker, with the backslashes already in front of it. */
const END_LIKE = /^(\\*)(<!-- \/kpath-comment .* -->\r?)$/;
const escapeBody = (body: string) =>
  body
    .split('\n')
    .map((l) => l.replace(END_LIKE, '\\$1$2'))
    .join('\n');
const unescapeLine = (l: string) => (END_LIKE.test(l) && l.startsWith('\\') ? l.slice(1) : l);

/** A link target for a tree-relative file from a document in `linkBase` ('' = the tree root, or e.g. '../..'). */
function link(linkBase: string, a: NoteAnchor): string {
  const target = (linkBase ? `${linkBase.replace(/\/$/, '')}/` : '') + a.file;
  const lines = a.endLine > a.line ? `#L${a.line + 1}-L${a.endLine + 1}` : `#L${a.line + 1}`;
  // A parenthesis would end the link destination early.
  return `${encodeURI(target).replace(/[()]/g, (c) => (c === '(' ? '%28' : '%29'))}${lines}`;
}

// The data inside an HTML comment must not contain `--` (which `-->` in a line of C would end
// early): written as the JSON escape \u002d, which JSON.parse reads back as '-'.
const data = (o: object) =>
  JSON.stringify(o).replace(/-/g, (m, at: number, all: string) => (all[at + 1] === '-' || all[at - 1] === '-' ? '\\u002d' : m));

// A name or a line of code from a hand-edited notes file may hold a newline: on one line of the
// document it would start a line of its own (a marker, a heading).
const oneLine = (s: string) => s.replace(/[\u0000-\u001f\u007f]/g, ' ');

// Keep heading text from turning into Markdown or HTML of its own.
const inline = (s: string) => oneLine(s).replace(/[\\`*_[\]<>#|]/g, (c) => `\\${c}`);

/**
 * `s` as a CommonMark code span: fenced by more backticks than its longest run of them, and padded
 * with a space (which the renderer strips) when it starts or ends with a backtick or a space.
 */
export function code(s: string): string {
  s = oneLine(s);
  const fence = '`'.repeat(Math.max(0, ...(s.match(/`+/g) ?? []).map((r) => r.length)) + 1);
  const pad = /^[` ]|[` ]$/.test(s) && s.trim() !== '' ? ' ' : '';
  return `${fence}${pad}${s}${pad}${fence}`;
}

export function toMarkdown(
  notes: readonly Note[],
  opts: { title?: string; linkBase?: string; orphans?: ReadonlySet<string> } = {},
): string {
  const out: string[] = [`# ${inline(opts.title ?? 'kpath notes')}`, ''];
  let file = '';
  for (const n of sortNotes(notes)) {
    const a = n.anchor;
    if (a.file !== file) {
      file = a.file;
      out.push(`## ${inline(file)}`, '');
    }
    const where = `${a.file}:${a.line + 1}${a.endLine > a.line ? `-${a.endLine + 1}` : ''}`;
    const flags = [n.resolved ? 'resolved' : '', opts.orphans?.has(n.id) ? 'orphan: not found in the current tree' : ''].filter(Boolean);
    out.push(
      `### [${inline(where)}](${link(opts.linkBase ?? '', a)})${a.symbol ? ` in ${code(a.symbol)}` : ''}${flags.length ? ` (${flags.join(', ')})` : ''}`,
      '',
    );
    out.push(`<!-- kpath-note ${data({ id: n.id, anchor: a, resolved: n.resolved, created: n.created, updated: n.updated })} -->`, '');
    if (a.text) out.push(`> ${code(a.text)}`, '');
    for (const c of n.comments) {
      out.push(`<!-- kpath-comment ${data({ id: c.id, author: c.author, created: c.created, updated: c.updated })} -->`);
      out.push(`**${inline(c.author || 'someone')}** · ${c.created.slice(0, 10)}`, '');
      out.push(escapeBody(c.body), END(c.id), '');
    }
  }
  return `${out.join('\n').trimEnd()}\n`;
}

type Obj = Record<string, unknown>;
const obj = (s: string, where: string): Obj => {
  try {
    const v: unknown = JSON.parse(s);
    if (typeof v === 'object' && v !== null && !Array.isArray(v)) return v as Obj;
  } catch {
    /* reported below */
  }
  throw new NotesFormatError(`${where}: the data in the marker is not a JSON object`);
};
const s = (o: Obj, k: string, where: string): string => {
  if (typeof o[k] !== 'string') throw new NotesFormatError(`${where}: "${k}" is missing`);
  return o[k] as string;
};

/**
 * Read notes back from a document written by toMarkdown (edits to the bodies are kept; the text
 * around the markers is ignored). Throws NotesFormatError naming the line of the first problem,
 * including a path that would leave the tree.
 */
export function fromMarkdown(md: string): Note[] {
  // The first note marker (ours, never inside a body) ends with \r only when an editor saved the
  // whole document with CRLF: then every \r\n is a line break. Otherwise a \r is part of a body.
  const converted = /^<!-- kpath-note [^\n]*/m.exec(md)?.[0].endsWith('\r') ?? false;
  const lines = (converted ? md.replace(/\r\n/g, '\n') : md).split('\n');
  const notes: Note[] = [];
  let note: Note | undefined;
  for (let i = 0; i < lines.length; i++) {
    const where = `line ${i + 1}`;
    const n = NOTE.exec(lines[i]);
    if (n) {
      const o = obj(n[1], where);
      const created = s(o, 'created', where);
      note = {
        id: s(o, 'id', where),
        anchor: readAnchor(o.anchor, where),
        resolved: o.resolved === true,
        comments: [],
        created,
        updated: typeof o.updated === 'string' ? o.updated : created,
      };
      notes.push(note);
      continue;
    }
    const c = COMMENT.exec(lines[i]);
    if (!c) continue;
    if (!note) throw new NotesFormatError(`${where}: a reply before any note`);
    const o = obj(c[1], where);
    const id = s(o, 'id', where);
    const end = lines.indexOf(END(id), i + 1);
    if (end < 0) throw new NotesFormatError(`${where}: the reply ${id} has no closing marker`);
    // The byline written by toMarkdown is not part of the body.
    let from = i + 1;
    if (/^\*\*.*\*\* · /.test(lines[from] ?? '')) from += lines[from + 1] === '' ? 2 : 1;
    const created = s(o, 'created', where);
    const comment: NoteComment = {
      id,
      author: typeof o.author === 'string' ? o.author : '',
      body: lines.slice(from, end).map(unescapeLine).join('\n'),
      created,
      updated: typeof o.updated === 'string' ? o.updated : created,
    };
    note.comments.push(comment);
    i = end;
  }
  return notes.filter((n) => n.comments.length > 0);
}
