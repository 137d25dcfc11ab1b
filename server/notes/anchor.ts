// Anchoring: describe a line by what it is (the function it is in, how far into it, its text and
// its neighbours) and find it again in another version of the file. Line numbers alone go stale
// as soon as a line is added above; the text alone is ambiguous (`return 0;`), so the search is:
//   1. the same symbol (by name) and offset, if the text still matches there;
//   2. the text inside the same symbol, nearest to the expected offset;
//   3. the text anywhere in the file, ranked by matching neighbours and closeness (function
//      moved to another place, or renamed);
//   4. a similar line (the annotated line itself was edited) whose neighbours agree;
// and otherwise the note is an orphan, listed rather than dropped.
import { enclosingSymbol, findSymbols, type TextSymbol } from './symbols';
import type { NoteAnchor } from './types';

const CONTEXT = 2;
/**
 * The longest line text an anchor keeps, whitespace collapsed: plenty to tell kernel lines apart (a
 * longer line is matched by its first MAX_TEXT characters), and a bound on the work of placing a
 * note from a hand-edited or hostile file (a 100 KB "line" took a minute per file).
 */
export const MAX_TEXT = 400;

export const normalize = (s: string): string => s.trim().replace(/\s+/g, ' ').slice(0, MAX_TEXT);

/** An anchor within the limits above; `cut` says what was shortened (a hand-edited or hostile file). */
export function capAnchor(a: NoteAnchor): { anchor: NoteAnchor; cut?: string } {
  const long = [a.text, ...a.before, ...a.after].some((s) => s.length > MAX_TEXT);
  const many = a.before.length > CONTEXT || a.after.length > CONTEXT;
  if (!long && !many) return { anchor: a };
  const clip = (s: string) => s.slice(0, MAX_TEXT);
  const cut = [
    long ? `line text over ${MAX_TEXT} characters shortened` : '',
    many ? `more than ${CONTEXT} neighbouring lines a side dropped` : '',
  ];
  return {
    anchor: { ...a, text: clip(a.text), before: a.before.slice(-CONTEXT).map(clip), after: a.after.slice(0, CONTEXT).map(clip) },
    cut: cut.filter(Boolean).join('; '),
  };
}

/** Describe lines `line..endLine` (0-based) of `text`. */
export function makeAnchor(file: string, text: string, line: number, endLine = line, symbols = findSymbols(text)): NoteAnchor {
  const lines = text.split('\n');
  const last = Math.max(0, lines.length - 1);
  line = Math.min(Math.max(0, line), last);
  endLine = Math.min(Math.max(line, endLine), last);
  const sym = enclosingSymbol(symbols, line);
  return {
    file,
    line,
    endLine,
    ...(sym ? { symbol: sym.name, symbolKind: sym.kind, offset: line - sym.line } : {}),
    text: normalize(lines[line] ?? ''),
    before: lines.slice(Math.max(0, line - CONTEXT), line).map(normalize),
    after: lines.slice(line + 1, line + 1 + CONTEXT).map(normalize),
  };
}

export type Placement =
  | { orphan: false; line: number; endLine: number; how: 'exact' | 'symbol' | 'text' | 'similar'; anchor: NoteAnchor }
  | { orphan: true; why: string };

// Blank lines and lone braces are everywhere: they are no evidence of being in the right place.
const telling = (s: string) => s.length > 2;

/** How many of the anchor's neighbours are found around line `i` of the normalized lines (0..4); `all` counts blank and brace lines too. */
function contextScore(a: NoteAnchor, norm: readonly string[], i: number, all = false): number {
  let s = 0;
  const same = (want: string, at: number) => (all || telling(want)) && (norm[at] ?? '') === want;
  a.before.forEach((b, k) => {
    if (same(b, i - a.before.length + k)) s++;
  });
  a.after.forEach((b, k) => {
    if (same(b, i + 1 + k)) s++;
  });
  return s;
}

/** Similarity of two lines in 0..1: shared tokens over all tokens (identifiers, numbers, punctuation). */
export function similarity(a: string, b: string): number {
  if (a === b) return 1;
  const tok = (s: string) => s.match(/\w+|[^\s\w]/g) ?? [];
  const ta = tok(a),
    tb = tok(b);
  if (ta.length === 0 || tb.length === 0) return 0;
  const counts = new Map<string, number>();
  for (const t of ta) counts.set(t, (counts.get(t) ?? 0) + 1);
  let shared = 0;
  for (const t of tb) {
    const c = counts.get(t) ?? 0;
    if (c > 0) {
      shared++;
      counts.set(t, c - 1);
    }
  }
  return (2 * shared) / (ta.length + tb.length);
}

function placed(
  a: NoteAnchor,
  file: string,
  text: string,
  line: number,
  how: 'exact' | 'symbol' | 'text' | 'similar',
  symbols: TextSymbol[],
): Placement {
  const span = a.endLine - a.line;
  const fresh = makeAnchor(file, text, line, line + span, symbols);
  return { orphan: false, line: fresh.line, endLine: fresh.endLine, how, anchor: fresh };
}

/**
 * Find the anchor in the current `text` of its file (undefined: the file is gone). The returned
 * anchor describes the new place, so that the next search starts from it.
 */
export function reanchor(a: NoteAnchor, text: string | undefined): Placement {
  a = capAnchor(a).anchor;
  if (text === undefined) return { orphan: true, why: `${a.file} no longer exists` };
  const lines = text.split('\n');
  const symbols = findSymbols(text);
  const norm = lines.map(normalize);
  const here = (i: number) => i >= 0 && i < lines.length && norm[i] === a.text;
  // A name can be defined more than once in a file (`#ifdef CONFIG_X` / `#else` stubs): take the
  // definition where the line is found at its offset with the most neighbours, then the nearest.
  const named = a.symbol ? symbols.filter((s) => s.name === a.symbol && s.kind === a.symbolKind) : [];
  const fit = (s: TextSymbol) => {
    const i = s.line + (a.offset ?? 0);
    return (norm[i] === a.text ? 10 : 0) + contextScore(a, norm, i, true) - Math.abs(s.line + (a.offset ?? 0) - a.line) / 1e6;
  };
  const sym = named.length > 1 ? named.reduce((x, y) => (fit(y) > fit(x) ? y : x)) : named[0];

  // 1. Same line, unchanged surroundings (nothing moved), or the same offset in the same symbol.
  const untouched = (i: number) => here(i) && contextScore(a, norm, i, true) === a.before.length + a.after.length;
  if (untouched(a.line) && enclosingSymbol(symbols, a.line)?.name === a.symbol) return placed(a, a.file, text, a.line, 'exact', symbols);
  const expected = sym && a.offset !== undefined ? sym.line + a.offset : a.line;
  // A bare `}` or blank line at the right offset proves little: its neighbours must agree too.
  if (sym && (untouched(expected) || (telling(a.text) && here(expected)))) return placed(a, a.file, text, expected, 'exact', symbols);

  // Rank candidate lines: neighbours first, then closeness to where the line was expected.
  const best = (cands: number[]): number | undefined => {
    let pick: number | undefined,
      score = -Infinity;
    for (const i of cands) {
      const s = contextScore(a, norm, i) * 1000 - Math.abs(i - expected);
      if (s > score) {
        score = s;
        pick = i;
      }
    }
    return pick;
  };
  const matching = (from: number, to: number) => {
    const out: number[] = [];
    for (let i = Math.max(0, from); i <= Math.min(lines.length - 1, to); i++) if (norm[i] === a.text) out.push(i);
    return out;
  };

  // 2. The text within the same symbol (lines were added or removed inside it).
  if (sym) {
    const i = best(matching(sym.line, sym.end));
    if (i !== undefined) return placed(a, a.file, text, i, 'symbol', symbols);
  }
  // 3. The text anywhere (the function moved, or was renamed). A blank or bare-brace line is too
  // common to trust on its own: it needs a neighbour to agree.
  const anywhere = matching(0, lines.length - 1).filter((i) => telling(a.text) || contextScore(a, norm, i) > 0);
  const i3 = best(anywhere);
  if (i3 !== undefined) return placed(a, a.file, text, i3, 'text', symbols);

  // 4. The annotated line was edited: a similar line whose neighbours agree, inside the symbol if
  // it still exists.
  const [from, to] = sym ? [sym.line, sym.end] : [0, lines.length - 1];
  let pick: number | undefined,
    score = 0;
  for (let i = from; i <= to && telling(a.text); i++) {
    const sim = similarity(norm[i], a.text);
    const ctx = contextScore(a, norm, i);
    if (sim < 0.5 || (ctx === 0 && sim < 0.8)) continue;
    const s = sim * 10 + ctx - Math.abs(i - expected) / 1000;
    if (s > score) {
      score = s;
      pick = i;
    }
  }
  if (pick !== undefined) return placed(a, a.file, text, pick, 'similar', symbols);
  return {
    orphan: true,
    why: a.symbol ? `the line "${a.text}" of ${a.symbol} is no longer in ${a.file}` : `the line "${a.text}" is no longer in ${a.file}`,
  };
}
