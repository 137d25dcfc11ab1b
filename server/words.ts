// C identifiers in plain text, for the scans that read source without a parser (the outside-stores
// walk, the number-list blanking, SCIP's name columns): one idea of a word character.

/** Whether a UTF-16 code is a C identifier character (ASCII letters, digits, `_`). */
export function isWordCode(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;
}

/** Where `word` first stands as a whole identifier in `text` at or after `from`, or -1. */
export function indexOfWord(text: string, word: string, from = 0): number {
  for (let at = text.indexOf(word, from); at >= 0; at = text.indexOf(word, at + 1))
    if (!(at > 0 && isWordCode(text.charCodeAt(at - 1))) && !isWordCode(text.charCodeAt(at + word.length))) return at;
  return -1;
}
