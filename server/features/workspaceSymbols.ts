// Workspace symbols: every function, struct and struct field of the index, matched fuzzily by the
// index's symbol table (index/symbolTable.ts), best first, capped.
import { SymbolKind, type Connection, type SymbolInformation } from 'vscode-languageserver/node';
import { findSymbols, type SymbolSort } from '../index/symbolTable';
import { guard, range, type ServerState } from './state';

const KIND: Record<SymbolSort, SymbolKind> = { function: SymbolKind.Function, struct: SymbolKind.Struct, field: SymbolKind.Field };

export function register(connection: Connection, state: ServerState): void {
  connection.onWorkspaceSymbol(
    guard(state, 'workspace/symbol', [] as SymbolInformation[], (p) => {
      if (!state.index) return [];
      return findSymbols(state.index, p.query, state.indexVersion).map((e) => ({
        name: e.name,
        kind: KIND[e.kind],
        containerName: e.container,
        location: { uri: state.uriOf(e.span.file), range: range(e.span) },
      }));
    }),
  );
}
