// The one set of lexical rules under statements, system call arguments and struct fields: a
// string runs to its closing quote, skipping backslash escapes, and brackets nest. The statement
// splitter and the argument/field splitters all go through these, so a `,`, `=` or bracket inside
// a string (`{"a=b"}`) is never taken for syntax.

/** Index of the quote closing the string that opens at `open`, or -1 (also at a newline when
 * `lineEnds`, since a statement's string cannot span lines). */
export function stringEnd(s: string, open: number, lineEnds = false): number {
  for (let j = open + 1; j < s.length; j++) {
    const c = s[j];
    if (c === '\\') j++;
    else if (c === '"') return j;
    else if (lineEnds && c === '\n') return -1;
  }
  return -1;
}

/** Walks `s` from `from` outside strings, calling `at` with each character and the bracket depth
 * after it; stops where `at` returns true and returns that index, or -1 (also at an unterminated
 * string). */
export function scanTopLevel(s: string, from: number, at: (k: number, c: string, depth: number) => boolean): number {
  let depth = 0;
  for (let k = from; k < s.length; k++) {
    const c = s[k];
    if (c === '"') {
      k = stringEnd(s, k);
      if (k < 0) return -1;
      continue;
    }
    if (c === '(' || c === '[' || c === '{') depth++;
    else if (c === ')' || c === ']' || c === '}') depth--;
    if (at(k, c, depth)) return k;
  }
  return -1;
}
