// The words of a make value, and how kpath marks what it cannot know inside them. What make would
// compute but kpath cannot ($(shell), $(call cc-option,…), a variable kbuild sets elsewhere)
// expands to an UNKNOWN marker instead of the empty string, so that it surfaces as "unknown"
// rather than as a wrong "not built".
//
// Unknown text is carried inside ordinary strings so that every make function keeps working on it:
// a word that starts with TAG(id) is "maybe there" (the reason is reasons[id]); a HOLE inside a
// word's text stands for text kpath cannot know (`foo_$(shell x).o`), a lone HOLE for any words.

const TAG_START = '\x01';
const TAG_END = '\x02';
/** Text kpath cannot know, inside a word (or standing for any number of words). */
export const HOLE = '\x03';
// The function name of the internal "tag this text" call; no Makefile can spell it.
export const TAG_FN = '\x04tag';
const ID_BASE = 0xe000;
const ID_SPAN = 6000;

export function tagOfId(id: number): string {
  return TAG_START + String.fromCharCode(ID_BASE + (id % ID_SPAN)) + String.fromCharCode(ID_BASE + Math.floor(id / ID_SPAN)) + TAG_END;
}
function idAt(s: string, at: number): number {
  return s.charCodeAt(at + 1) - ID_BASE + (s.charCodeAt(at + 2) - ID_BASE) * ID_SPAN;
}
const TAG_RE = /\x01[\s\S]{2}\x02/g;

export const hasUnknown = (s: string): boolean => s.indexOf(TAG_START) >= 0;

/** A word's reason id when it is tagged (maybe there, or partly unknown), else -1. */
export function wordTag(w: string): number {
  return w.charCodeAt(0) === 1 ? idAt(w, 0) : -1;
}
/** A word's text without its tag (may contain HOLE). */
export function wordText(w: string): string {
  return w.charCodeAt(0) === 1 ? w.slice(4) : w;
}

/** The first reason id in a text, or -1. */
export function firstTag(s: string): number {
  const at = s.indexOf(TAG_START);
  return at < 0 ? -1 : idAt(s, at);
}

// A word with markers anywhere becomes TAG(first id) + its text with the markers removed.
export function normalizeWord(w: string): string {
  const at = w.indexOf(TAG_START);
  if (at < 0) return w;
  if (at === 0 && w.indexOf(TAG_START, 4) < 0) return w;
  return tagOfId(idAt(w, at)) + w.replace(TAG_RE, '');
}

/** Split a value into words (make's whitespace), each normalized so that a tag leads it. */
export function splitWords(s: string): string[] {
  const out: string[] = [];
  if (!s) return out;
  const marked = hasUnknown(s);
  for (const w of s.split(/[ \t\n\r\f\v]+/)) {
    if (!w) continue;
    if (marked) {
      const n = normalizeWord(w);
      // A tag that stands alone (no text) is an empty "maybe": nothing there for sure, nothing to report.
      if (n.length === 4 && n.charCodeAt(0) === 1) continue;
      out.push(n);
    } else out.push(w);
  }
  return out;
}

export function tagWords(s: string, id: number): string {
  const ws = splitWords(s);
  for (let i = 0; i < ws.length; i++) if (ws[i].charCodeAt(0) !== 1) ws[i] = tagOfId(id) + ws[i];
  return ws.join(' ');
}

/** Whether a value has words and every one is only "maybe" there. */
export function allMaybe(s: string): boolean {
  const ws = splitWords(s);
  return ws.length > 0 && ws.every((w) => w.charCodeAt(0) === 1);
}

/**
 * The text of a value whose unknowns are only "maybe" tags (set under an undecided conditional,
 * not computed by what kpath cannot run), with the first tag; undefined when a part is unknown.
 */
export function knownText(s: string, trim = true): { text: string; tag: number } | undefined {
  if (!hasUnknown(s)) return { text: trim ? s.trim() : s, tag: -1 };
  const text = s.replace(TAG_RE, '');
  if (text.includes(HOLE)) return undefined;
  return { text: trim ? text.trim() : text, tag: firstTag(s) };
}

/** Tag a result's words when one of the arguments that shaped it was only "maybe". */
export function maybeTag(result: string, a: number, b: number): string {
  const id = a >= 0 ? a : b;
  return id >= 0 ? tagWords(result, id) : result;
}

/** A root-relative path from what a Makefile wrote ($(srctree) is `.`); undefined when it leaves the tree or is absolute. */
export function normalizeRel(p: string): string | undefined {
  if (p.startsWith('/')) return undefined;
  const parts: string[] = [];
  for (const seg of p.split('/')) {
    if (!seg || seg === '.') continue;
    if (seg === '..') {
      if (!parts.length) return undefined;
      parts.pop();
      continue;
    }
    parts.push(seg);
  }
  return parts.join('/');
}
