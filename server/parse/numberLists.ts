// Brace lists of nothing but numbers (`{0x4008, 0xC751D4F0},` 57,000 lines of a wireless PHY
// table, a codepage's 0xAC3F rows) hold nothing the extractor records: no name, no function, no
// macro use. tree-sitter still builds a node per number and comma, several per ten bytes. Such a
// list's contents are blanked before parsing (spaces, newlines kept, so every line and column stays
// where it was): the parser then sees `{ }`, an empty initializer that gives the same facts.
import { isWordCode } from '../words';

/** Lists shorter than this are left alone: too few tokens to pay for a copy of the file. */
const MIN_LIST_CHARS = 64;

const enum Ch {
  Tab = 9,
  Newline = 10,
  VTab = 11,
  FormFeed = 12,
  Return = 13,
  Space = 32,
  Quote = 34,
  Hash = 35,
  Apostrophe = 39,
  Star = 42,
  Plus = 43,
  Comma = 44,
  Minus = 45,
  Dot = 46,
  Slash = 47,
  Zero = 48,
  Nine = 57,
  Backslash = 92,
  Underscore = 95,
  OpenBrace = 123,
  CloseBrace = 125,
}

/** Past the end of the logical line at `i` (backslash continuations followed), at its newline. */
function endOfDirective(s: string, i: number): number {
  for (;;) {
    const nl = s.indexOf('\n', i);
    if (nl < 0) return s.length;
    let last = nl - 1;
    if (s.charCodeAt(last) === Ch.Return) last--;
    if (s.charCodeAt(last) !== Ch.Backslash) return nl;
    i = nl + 1;
  }
}

/** Past the string or character literal that opens at `i` (it ends at its quote or at the line's end). */
function endOfLiteral(s: string, i: number): number {
  const quote = s.charCodeAt(i);
  for (let j = i + 1; j < s.length; j++) {
    const c = s.charCodeAt(j);
    if (c === Ch.Backslash) j++;
    else if (c === quote || c === Ch.Newline) return j + 1;
  }
  return s.length;
}

/**
 * The `[start, end)` ranges inside braces whose whole contents are numbers, signs, commas, blanks and
 * comments (nested lists of the same included), outermost only, each at least MIN_LIST_CHARS long.
 * Anything else inside a list (a name, a string, a `.field =`, a `#if` line) keeps it, and every list
 * around it, as it is.
 */
export function numberListRanges(s: string): [number, number][] {
  const ranges: [number, number][] = [];
  const open: number[] = [];
  // Lists open[k] with k >= pureFrom hold only numbers so far; below it, something else was seen.
  let pureFrom = 0;
  const n = s.length;
  let lineStart = true;
  for (let i = 0; i < n;) {
    const c = s.charCodeAt(i);
    if (c === Ch.Newline) {
      lineStart = true;
      i++;
      continue;
    }
    if (c === Ch.Space || c === Ch.Tab || c === Ch.Return || c === Ch.FormFeed || c === Ch.VTab) {
      i++;
      continue;
    }
    // Comments: neither a token nor the start of a line's code (`/* x */ #define` is a directive).
    if (c === Ch.Slash && s.charCodeAt(i + 1) === Ch.Star) {
      const end = s.indexOf('*/', i + 2);
      i = end < 0 ? n : end + 2;
      continue;
    }
    if (c === Ch.Slash && s.charCodeAt(i + 1) === Ch.Slash) {
      const nl = s.indexOf('\n', i);
      i = nl < 0 ? n : nl;
      continue;
    }
    const startsLine = lineStart;
    lineStart = false;
    if (c === Ch.Comma || c === Ch.Plus || c === Ch.Minus) {
      i++;
      continue;
    }
    if (c >= Ch.Zero && c <= Ch.Nine) {
      // A number with its suffix, hex digits, fraction or exponent letter: `0x1fULL`, `1.5e`.
      i++;
      while (i < n && (isWordCode(s.charCodeAt(i)) || s.charCodeAt(i) === Ch.Dot)) i++;
      continue;
    }
    if (c === Ch.OpenBrace) {
      open.push(i);
      i++;
      continue;
    }
    if (c === Ch.CloseBrace && open.length) {
      const start = open.pop()!;
      const depth = open.length;
      if (depth >= pureFrom && i - start - 1 >= MIN_LIST_CHARS) {
        // Lists recorded inside this one are covered by it.
        while (ranges.length && ranges[ranges.length - 1][0] > start) ranges.pop();
        ranges.push([start + 1, i]);
      }
      pureFrom = Math.min(pureFrom, depth);
      i++;
      continue;
    }
    // Anything else makes every open list one the parser must see.
    pureFrom = open.length;
    if (c === Ch.Hash && startsLine) i = endOfDirective(s, i);
    else if (c === Ch.Quote || c === Ch.Apostrophe) i = endOfLiteral(s, i);
    else if (isWordCode(c)) while (i < n && isWordCode(s.charCodeAt(i))) i++;
    else i++;
  }
  return ranges;
}

/** `source` with the contents of its number-only brace lists blanked, offsets, lines and columns kept. */
export function blankNumberLists(source: string): string {
  const ranges = numberListRanges(source);
  if (!ranges.length) return source;
  // In place on the UTF-16 code units: a regular expression replace took 30 times as long as the scan.
  const buf = Buffer.from(source, 'utf16le');
  const units = new Uint16Array(buf.buffer, buf.byteOffset, source.length);
  for (const [start, end] of ranges) for (let i = start; i < end; i++) if (units[i] !== Ch.Newline) units[i] = Ch.Space;
  return buf.toString('utf16le');
}
