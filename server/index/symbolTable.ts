// The names of the index (every function, struct and struct field), matched fuzzily: exact, then
// prefix, then substring, then in-order letters, best first, capped. The names are kept in a table
// per index, grouped by spelling, with a character mask that rejects most at once. Pure: the
// language server's workspace symbols and the MCP server's `symbols` tool both ask it.
import type { KernelIndex } from './kernelIndex';

export const MAX_SYMBOLS = 200;

/** What a symbol is; the language server maps it to LSP's SymbolKind. */
export type SymbolSort = 'function' | 'struct' | 'field';
/** Where a name is: 0-based line, and the columns of the name on it. */
export interface Span {
  file: string;
  line: number;
  col: number;
  endCol: number;
}
export interface SymbolEntry {
  name: string;
  kind: SymbolSort;
  span: Span;
  container?: string;
}

/** Entries grouped by lower-cased name, with a bit mask of the characters the name holds. */
interface Name {
  lower: string;
  mask: number;
  entries: SymbolEntry[];
}
interface Table {
  version: number;
  files: number;
  names: Name[];
}
const tables = new WeakMap<KernelIndex, Table>();

/** One bit per letter (case-folded), one for digits, one for `_`: a name lacking a bit of the query cannot match. */
export function charMask(s: string): number {
  let m = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i) | 0x20;
    if (c >= 97 && c <= 122) m |= 1 << (c - 97);
    else if (c >= 48 && c <= 57) m |= 1 << 26;
    else m |= 1 << 27;
  }
  return m;
}

/** The names of the index, rebuilt when it gained or lost files or `version` moved (an edit). */
function table(index: KernelIndex, version: number): Name[] {
  const t = tables.get(index);
  if (t && t.files === index.files.size && t.version === version) return t.names;
  const byName = new Map<string, Name>();
  const add = (e: SymbolEntry): void => {
    const lower = e.name.toLowerCase();
    let n = byName.get(lower);
    if (!n) {
      n = { lower, mask: charMask(lower), entries: [] };
      byName.set(lower, n);
    }
    n.entries.push(e);
  };
  for (const [name, defs] of index.env.functions) {
    for (const d of defs)
      add({
        name,
        kind: 'function',
        span: { file: d.file, line: d.def.nameLine, col: d.def.nameCol, endCol: d.def.nameCol + name.length },
      });
  }
  for (const [sname, s] of index.env.structs) {
    const label = sname.replace(/^(struct|union) /, '');
    const def = s.defs[0];
    if (def)
      add({
        name: label,
        kind: 'struct',
        span: { file: def.file, line: def.line, col: def.col, endCol: def.col },
        container: sname.startsWith('union') ? 'union' : 'struct',
      });
    for (const fi of s.fields.values()) {
      add({
        name: fi.name,
        kind: 'field',
        span: { file: fi.file, line: fi.line, col: fi.col, endCol: fi.col + fi.name.length },
        container: label,
      });
    }
  }
  const names = [...byName.values()];
  tables.set(index, { version, files: index.files.size, names });
  return names;
}

/** Build the table ahead of the first query (after indexing). */
export function warmSymbols(index: KernelIndex, version: number): void {
  table(index, version);
}

/** Lower is better; -1 = no match. */
export function fuzzyScore(query: string, name: string): number {
  if (name === query) return 0;
  if (name.startsWith(query)) return 1 + (name.length - query.length) / 1000;
  const at = name.indexOf(query);
  if (at >= 0) return 2 + at / 100;
  let gaps = 0;
  let j = 0;
  let last = -1;
  for (let i = 0; i < name.length && j < query.length; i++) {
    if (name[i] === query[j]) {
      if (last >= 0) gaps += i - last - 1;
      last = i;
      j++;
    }
  }
  return j === query.length ? 3 + gaps / 10 : -1;
}

export function findSymbols(index: KernelIndex, query: string, version = 0, limit = MAX_SYMBOLS): SymbolEntry[] {
  const q = query.trim().toLowerCase();
  if (!q) return [];
  const qmask = charMask(q);
  const scored: { n: Name; s: number }[] = [];
  for (const n of table(index, version)) {
    if ((n.mask & qmask) !== qmask || n.lower.length < q.length) continue;
    const s = fuzzyScore(q, n.lower);
    if (s >= 0) scored.push({ n, s });
  }
  scored.sort((a, b) => a.s - b.s || a.n.lower.length - b.n.lower.length || (a.n.lower < b.n.lower ? -1 : a.n.lower > b.n.lower ? 1 : 0));
  const out: SymbolEntry[] = [];
  for (const { n } of scored) {
    for (const e of n.entries) {
      if (out.length >= limit) return out;
      out.push(e);
    }
  }
  return out;
}
