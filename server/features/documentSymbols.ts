// Document symbols: the file's functions, structs (with their fields) and globals, from the facts the
// index holds for it (which are the open buffer's after an edit).
import { SymbolKind, type Connection, type DocumentSymbol } from 'vscode-languageserver/node';
import type { KernelIndex } from '../index/kernelIndex';
import { guard, type ServerState } from './state';

function lineLengths(text: string): number[] {
  return text.split('\n').map((l) => (l.endsWith('\r') ? l.length - 1 : l.length));
}

export function provideDocumentSymbols(index: KernelIndex, file: string, text: string): DocumentSymbol[] {
  const facts = index.files.get(file);
  if (!facts) return [];
  const lens = lineLengths(text);
  const endOf = (line: number): { line: number; character: number } => ({ line, character: lens[line] ?? 0 });
  const pos = (line: number, character: number): { line: number; character: number } => ({ line, character });
  const sel = (line: number, col: number, name: string): DocumentSymbol['selectionRange'] => ({
    start: pos(line, col),
    end: pos(line, col + name.length),
  });
  const out: DocumentSymbol[] = [];
  for (const f of facts.functions) {
    out.push({
      name: f.name,
      kind: SymbolKind.Function,
      detail: f.viaMacro ?? (f.isStatic ? 'static' : ''),
      range: { start: pos(f.line, f.col), end: endOf(f.endLine) },
      selectionRange: sel(f.nameLine, f.nameCol, f.name),
    });
  }
  for (const s of facts.structs) {
    const children: DocumentSymbol[] = s.fields.map((fd) => ({
      name: fd.name,
      kind: SymbolKind.Field,
      detail: `${fd.type.base}${fd.type.fn ? ' (*)()' : ' ' + '*'.repeat(fd.type.ptr)}`.trim(),
      range: { start: pos(fd.line, fd.col), end: endOf(fd.line) },
      selectionRange: sel(fd.line, fd.col, fd.name),
    }));
    out.push({
      name: s.name,
      kind: SymbolKind.Struct,
      range: { start: pos(s.line, s.col), end: endOf(s.endLine) },
      selectionRange: sel(s.line, s.col, ''),
      children,
    });
  }
  for (const g of facts.globals) {
    out.push({
      name: g.name,
      kind: SymbolKind.Variable,
      detail: g.type.base,
      range: { start: pos(g.line, g.col), end: endOf(g.line) },
      selectionRange: sel(g.line, g.col, g.name),
    });
  }
  return out.sort((a, b) => a.range.start.line - b.range.start.line || a.range.start.character - b.range.start.character);
}

export function register(connection: Connection, state: ServerState): void {
  connection.onDocumentSymbol(
    guard(state, 'documentSymbol', [] as DocumentSymbol[], (p) => {
      const c = state.context(p.textDocument.uri);
      return c ? provideDocumentSymbols(c.index, c.file, c.text) : [];
    }),
  );
}
