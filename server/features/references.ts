// Find references. Of a function: its direct calls, the places it is stored into a slot (a struct
// field, a parameter, a global), and the indirect call sites that can reach it. Of a struct field:
// the indirect calls through it and the stores into it.
import type { Connection, Location } from 'vscode-languageserver/node';
import type { KernelIndex } from '../index/kernelIndex';
import { fnSpan, guard, type ServerState, type Span } from './state';
import { edgeSpanner, symbolAt } from './symbolAt';

export type ReferenceKind = 'declaration' | 'call' | 'indirect' | 'store';
export interface Reference {
  span: Span;
  kind: ReferenceKind;
}

export function provideReferences(
  index: KernelIndex,
  file: string,
  text: string,
  line: number,
  col: number,
  includeDeclaration: boolean,
): Reference[] {
  const at = symbolAt(index, file, text, line, col);
  if (!at) return [];
  const out: Reference[] = [];
  const spanOf = edgeSpanner(index);
  if (at.kind === 'function') {
    for (const fn of at.fns) {
      const ref = index.ref(fn);
      if (includeDeclaration) out.push({ span: fnSpan(ref), kind: 'declaration' });
      for (const e of index.callers(fn.id)) out.push({ span: spanOf(e), kind: e.kind === 'direct' ? 'call' : 'indirect' });
      for (const ev of index.storesByFunction().get(fn.id) ?? [])
        out.push({ span: { file: ev.file, line: ev.line, col: ev.col, endCol: ev.col + fn.name.length }, kind: 'store' });
    }
  } else if (at.kind === 'field' || at.kind === 'site') {
    const slot = at.kind === 'field' ? at.slot : at.site.slot;
    if (!slot) return [];
    if (includeDeclaration && at.kind === 'field' && at.field)
      out.push({
        span: { file: at.field.file, line: at.field.line, col: at.field.col, endCol: at.field.col + at.field.name.length },
        kind: 'declaration',
      });
    for (const s of index.sitesWithSlot(slot))
      out.push({ span: { file: s.file, line: s.site.nameLine, col: s.site.nameCol, endCol: s.site.endCol }, kind: 'indirect' });
    for (const evidence of index.slotTargets(slot).values()) {
      for (const ev of evidence)
        if (ev.slot === slot && ev.how !== 'hint')
          out.push({ span: { file: ev.file, line: ev.line, col: ev.col, endCol: ev.col }, kind: 'store' });
    }
  }
  return dedupe(out);
}

function dedupe(refs: Reference[]): Reference[] {
  const seen = new Set<string>();
  return refs.filter((r) => {
    const k = `${r.span.file}:${r.span.line}:${r.span.col}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

export function register(connection: Connection, state: ServerState): void {
  connection.onReferences(
    guard(state, 'references', [] as Location[], (p) => {
      const c = state.context(p.textDocument.uri);
      if (!c || state.partial) return [];
      return provideReferences(c.index, c.file, c.text, p.position.line, p.position.character, p.context.includeDeclaration).map((r) =>
        state.location(r.span),
      );
    }),
  );
}
