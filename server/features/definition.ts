// Go to definition. On an indirect callee (`sendmsg` in `READ_ONCE(sock->ops)->sendmsg(…)`): every
// resolved target, INDIRECT_CALL hints first; with a kernel configuration, only the targets it
// compiles (all of them if it compiles none, rather than nothing). On a function name (a direct call, an initializer
// value, a hint): its definition, including static inline helpers in headers and syscalls defined
// by SYSCALL_DEFINE (`sys_<name>`). Also structs, struct fields, globals and macros.
import type { Connection, Location } from 'vscode-languageserver/node';
import type { KernelIndex } from '../index/kernelIndex';
import { fnSpan, guard, type ServerState, type Span } from './state';
import { macroNamed, symbolAt } from './symbolAt';
import { wordAt } from './wordAt';

export function provideDefinition(index: KernelIndex, file: string, text: string, line: number, col: number, resolved = true): Span[] {
  const at = symbolAt(index, file, text, line, col, resolved);
  if (!at) {
    const w = wordAt(text, line, col);
    const m = w ? macroNamed(index, w.text, file) : undefined;
    return m ? [{ file: m.file, line: m.line, col: 0, endCol: 0 }] : [];
  }
  switch (at.kind) {
    case 'site': {
      const targets = compiledFirst(index.targetsOf(at.site)).map((t) => fnSpan(t.fn));
      // Nothing stored there in the indexed folders: the field's declaration is the next best place.
      return targets.length ? targets : fieldDecl(index, at.site.slot);
    }
    case 'function':
      return at.fns.map((f) => fnSpan(index.ref(f)));
    case 'field': {
      const fi = at.field;
      return fi ? [{ file: fi.file, line: fi.line, col: fi.col, endCol: fi.col + fi.name.length }] : [];
    }
    case 'struct':
      return (index.env.structs.get(at.name)?.defs ?? []).map((d) => ({ file: d.file, line: d.line, col: d.col, endCol: d.col }));
    case 'global':
      return [{ file: at.file, line: at.line, col: at.col, endCol: at.col + at.word.text.length }];
  }
}

/** Without the targets a configuration does not compile, unless that leaves none. */
export function compiledFirst<T extends { fn: { built?: string } }>(targets: T[]): T[] {
  const kept = targets.filter((t) => t.fn.built !== 'n');
  return kept.length ? kept : targets;
}

function fieldDecl(index: KernelIndex, slot: string | undefined): Span[] {
  const m = slot ? /^([\w:]+)\.(\w+)$/.exec(slot) : null;
  if (!m) return [];
  const fi = (index.env.structs.get(`struct ${m[1]}`) ?? index.env.structs.get(`union ${m[1]}`))?.fields.get(m[2]);
  return fi ? [{ file: fi.file, line: fi.line, col: fi.col, endCol: fi.col + fi.name.length }] : [];
}

export function register(connection: Connection, state: ServerState): void {
  connection.onDefinition(
    guard(state, 'definition', [] as Location[], (p) => {
      const c = state.context(p.textDocument.uri);
      return c
        ? provideDefinition(c.index, c.file, c.text, p.position.line, p.position.character, !state.partial).map((s) => state.location(s))
        : [];
    }),
  );
}
