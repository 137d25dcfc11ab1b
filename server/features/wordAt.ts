// The identifier under the cursor, read from the document text. Pure: features ask it before
// they ask the index, since the index knows positions of names but not every identifier.

export interface Word {
  text: string;
  line: number;
  /** UTF-16 columns, end exclusive. */
  start: number;
  end: number;
  /** The line's text before the word, trailing blanks removed (`inet_stream_ops = {\n\t.` → `.`). */
  before: string;
  /** The line's text after the word, leading blanks removed. */
  after: string;
}

/** The text of one 0-based line, or undefined past the end. Works on CRLF text too. */
export function lineOf(text: string, line: number): string | undefined {
  if (line < 0) return undefined;
  let start = 0;
  for (let i = 0; i < line; i++) {
    const nl = text.indexOf('\n', start);
    if (nl < 0) return undefined;
    start = nl + 1;
  }
  const nl = text.indexOf('\n', start);
  const raw = nl < 0 ? text.slice(start) : text.slice(start, nl);
  return raw.endsWith('\r') ? raw.slice(0, -1) : raw;
}

const isIdent = (c: string | undefined): boolean => c !== undefined && /[A-Za-z0-9_]/.test(c);

/** The C identifier that spans `col` (or ends right before it), or undefined on blanks and punctuation. */
export function wordAt(text: string, line: number, col: number): Word | undefined {
  const lt = lineOf(text, line);
  if (lt === undefined || col < 0 || col > lt.length) return undefined;
  let start = col;
  if (!isIdent(lt[start]) && isIdent(lt[start - 1])) start--;
  if (!isIdent(lt[start])) return undefined;
  while (start > 0 && isIdent(lt[start - 1])) start--;
  let end = start;
  while (end < lt.length && isIdent(lt[end])) end++;
  const word = lt.slice(start, end);
  if (/^[0-9]/.test(word)) return undefined;
  return { text: word, line, start, end, before: lt.slice(0, start).trimEnd(), after: lt.slice(end).trimStart() };
}
