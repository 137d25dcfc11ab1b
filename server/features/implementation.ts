// Go to implementation. On a function-pointer field (its declaration in `struct proto_ops`, an
// initializer's `.sendmsg =`, or the left side of `sk->sk_data_ready = …`): every function stored
// into that field anywhere in the index, directly or copied from another slot. On an indirect call
// site: its targets. The evidence (where each was stored) is in the hover and `kpath/targets`.
import type { Connection, Location } from 'vscode-languageserver/node';
import type { Evidence, FunctionRef } from '../protocol';
import type { KernelIndex } from '../index/kernelIndex';
import { fnSpan, guard, type ServerState, type Span } from './state';
import { symbolAt } from './symbolAt';
import { compiledFirst } from './definition';

export interface Implementation {
  fn: FunctionRef;
  span: Span;
  name: string;
  evidence: Evidence[];
}

/** The functions stored into a slot, sorted by name. */
export function slotImplementations(index: KernelIndex, slot: string): Implementation[] {
  const out: Implementation[] = [];
  for (const [id, evidence] of index.slotTargets(slot)) {
    const fn = index.fnById(id);
    if (fn) out.push({ fn: index.ref(fn), span: fnSpan(index.ref(fn)), name: fn.name, evidence });
  }
  return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

export function provideImplementation(index: KernelIndex, file: string, text: string, line: number, col: number): Implementation[] {
  const at = symbolAt(index, file, text, line, col);
  if (!at) return [];
  // With a configuration, what it compiles (see definition.ts).
  if (at.kind === 'field') return compiledFirst(slotImplementations(index, at.slot));
  if (at.kind === 'site')
    return compiledFirst(index.targetsOf(at.site)).map((t) => ({ fn: t.fn, span: fnSpan(t.fn), name: t.fn.name, evidence: t.evidence }));
  return [];
}

export function register(connection: Connection, state: ServerState): void {
  connection.onImplementation(
    guard(state, 'implementation', [] as Location[], (p) => {
      const c = state.context(p.textDocument.uri);
      if (!c || state.partial) return [];
      return provideImplementation(c.index, c.file, c.text, p.position.line, p.position.character).map((i) => state.location(i.span));
    }),
  );
}
