// Workspace symbols: every function, struct and struct field of the index, matched fuzzily
// (exact, then prefix, then substring, then in-order letters), best first, capped.
import { SymbolKind, type Connection, type SymbolInformation } from 'vscode-languageserver/node';
import type { KernelIndex } from '../index/kernelIndex';
import { guard, range, type ServerState, type Span } from './state';

export const MAX_SYMBOLS = 200;

export interface SymbolEntry { name: string; lower: string; kind: SymbolKind; span: Span; container?: string }

interface Table { built: number; files: number; entries: SymbolEntry[] }
const tables = new WeakMap<KernelIndex, Table>();
const TABLE_TTL_MS = 10_000;

/** The flat list of names, rebuilt when the index gained or lost files or every few seconds (edits). */
function table(index: KernelIndex): SymbolEntry[] {
  const t = tables.get(index);
  if (t && t.files === index.files.size && Date.now() - t.built < TABLE_TTL_MS) return t.entries;
  const entries: SymbolEntry[] = [];
  for (const [name, defs] of index.env.functions) {
    for (const d of defs) entries.push({ name, lower: name.toLowerCase(), kind: SymbolKind.Function, span: { file: d.file, line: d.def.nameLine, col: d.def.nameCol, endCol: d.def.nameCol + name.length } });
  }
  for (const [sname, s] of index.env.structs) {
    const label = sname.replace(/^(struct|union) /, '');
    const def = s.defs[0];
    if (def) entries.push({ name: label, lower: label.toLowerCase(), kind: SymbolKind.Struct, span: { file: def.file, line: def.line, col: def.col, endCol: def.col }, container: sname.startsWith('union') ? 'union' : 'struct' });
    for (const fi of s.fields.values()) {
      entries.push({ name: fi.name, lower: fi.name.toLowerCase(), kind: SymbolKind.Field, span: { file: fi.file, line: fi.line, col: fi.col, endCol: fi.col + fi.name.length }, container: label });
    }
  }
  tables.set(index, { built: Date.now(), files: index.files.size, entries });
  return entries;
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
    if (name[i] === query[j]) { if (last >= 0) gaps += i - last - 1; last = i; j++; }
  }
  return j === query.length ? 3 + gaps / 10 : -1;
}

export function provideWorkspaceSymbols(index: KernelIndex, query: string, limit = MAX_SYMBOLS): SymbolEntry[] {
  const q = query.trim().toLowerCase();
  if (!q) return [];
  const scored: { e: SymbolEntry; s: number }[] = [];
  for (const e of table(index)) {
    if (e.lower.length < q.length) continue;
    const s = fuzzyScore(q, e.lower);
    if (s >= 0) scored.push({ e, s });
  }
  scored.sort((a, b) => a.s - b.s || a.e.name.length - b.e.name.length || (a.e.name < b.e.name ? -1 : a.e.name > b.e.name ? 1 : 0));
  return scored.slice(0, limit).map((x) => x.e);
}

export function register(connection: Connection, state: ServerState): void {
  connection.onWorkspaceSymbol(guard(state, 'workspace/symbol', [] as SymbolInformation[], (p) => {
    if (!state.index) return [];
    return provideWorkspaceSymbols(state.index, p.query).map((e) => ({
      name: e.name, kind: e.kind, containerName: e.container, location: { uri: state.uriOf(e.span.file), range: range(e.span) },
    }));
  }));
}
