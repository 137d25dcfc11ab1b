// What the cursor is on, in the index's terms: an indirect call site, a function, a struct field
// (its declaration, an initializer's designator, or the left side of a store), a struct or a
// global. Every position feature starts here. Pure: index + text in, a tagged value out.
import { mayDefineMacro } from '../index/lazyFacts';
import type { KernelIndex, SiteInfo } from '../index/kernelIndex';
import type { FnEntry, FieldInfo } from '../resolve/typeEnv';
import { structLabel } from '../resolve/typeEnv';
import { fieldKey } from '../resolve/slot';
import { wordAt, type Word } from './wordAt';
import type { Span } from './state';

export type SymbolAt =
  | { kind: 'site'; word: Word | undefined; site: SiteInfo }
  | { kind: 'function'; word: Word; fns: FnEntry[] }
  /** `slot` is the index's key for the field: `proto_ops.sendmsg`. */
  | { kind: 'field'; word: Word; slot: string; owner: string; field: FieldInfo | undefined; how: 'decl' | 'designator' | 'store' }
  | { kind: 'struct'; word: Word; name: string }
  | { kind: 'global'; word: Word; file: string; line: number; col: number };

/** The functions a name means from `file`: its own or the global one, else every one of that name, else the syscall `sys_<name>`. */
export function functionsFor(index: KernelIndex, name: string, file: string): FnEntry[] {
  const own = index.env.lookupFunction(name, file);
  if (own) return [own];
  const all = index.functionsNamed(name);
  if (all.length) return all;
  // `SYSCALL_DEFINE3(sendto, …)` defines sys_sendto; its wrappers are __do_sys_/__se_sys_.
  const bare = name.replace(/^(?:__do_sys_|__se_sys_|__x64_sys_|__ia32_sys_)/, '');
  for (const prefix of ['sys_', 'compat_sys_']) {
    const sys = index.functionsNamed(prefix + bare).filter((f) => f.def.viaMacro !== undefined);
    if (sys.length) return sys;
  }
  return [];
}

/** `withSites: false` skips indirect call sites (they need the resolved index). */
export function symbolAt(
  index: KernelIndex,
  file: string,
  text: string,
  line: number,
  col: number,
  withSites = true,
): SymbolAt | undefined {
  const word = wordAt(text, line, col);
  const site = withSites ? index.siteAt(file, line, col) : undefined;
  if (site && (!word || (site.site.nameLine === line && word.start <= site.site.nameCol && site.site.nameCol < word.end))) {
    if (site.kind !== 'direct') return { kind: 'site', word, site };
  }
  if (!word) return site && site.kind !== 'direct' ? { kind: 'site', word, site } : undefined;
  const field = fieldAt(index, file, word);
  if (field) return field;
  // `ops->sendmsg` names a field, never a function (not even the syscall sys_sendmsg).
  if (/(\.|->)$/.test(word.before)) return undefined;
  const fns = functionsFor(index, word.text, file);
  if (fns.length) return { kind: 'function', word, fns };
  if (/\b(struct|union)$/.test(word.before)) {
    const name = `${/union$/.test(word.before) ? 'union' : 'struct'} ${word.text}`;
    if (index.env.structs.has(name)) return { kind: 'struct', word, name };
  }
  const g = index.env.lookupGlobal(word.text, file);
  if (g) return { kind: 'global', word, file: g.file, line: g.g.line, col: g.g.col };
  return undefined;
}

function fieldAt(index: KernelIndex, file: string, word: Word): SymbolAt | undefined {
  const facts = index.files.get(file);
  if (!facts) return undefined;
  const env = index.env;
  // A field declared on this line of a struct in this file.
  for (const s of facts.structs) {
    if (word.line < s.line || word.line > s.endLine) continue;
    const fd = s.fields.find((f) => f.name === word.text && f.line === word.line);
    if (fd) {
      const fi = env.structs.get(s.name)?.fields.get(fd.name);
      return { kind: 'field', word, slot: fieldKey(structLabel(s.name), fd.name), owner: s.name, field: fi, how: 'decl' };
    }
  }
  if (!/(\.|->)$/.test(word.before)) return undefined;
  // `.sendmsg = inet_sendmsg`: the initializer store whose designator ends on this word, at or after it.
  if (word.before.endsWith('.')) {
    let best: { line: number; col: number; fi: FieldInfo } | undefined;
    for (const st of facts.stores) {
      if (st.lhs.k !== 'init' || st.lhs.path[st.lhs.path.length - 1] !== word.text) continue;
      if (st.line < word.line || st.line > word.line + 3 || (st.line === word.line && st.col < word.end)) continue;
      if (best && (st.line > best.line || (st.line === best.line && st.col > best.col))) continue;
      const fi = env.initField(st.lhs.t, st.lhs.path);
      if (fi) best = { line: st.line, col: st.col, fi };
    }
    if (best)
      return {
        kind: 'field',
        word,
        slot: fieldKey(structLabel(best.fi.owner), best.fi.name),
        owner: best.fi.owner,
        field: best.fi,
        how: 'designator',
      };
  }
  // `sk->sk_data_ready = fn;` or `WRITE_ONCE(ops->x, fn)`: an assignment store on this line.
  for (const st of facts.stores) {
    if (st.line !== word.line || st.lhs.k !== 'field' || st.lhs.f !== word.text) continue;
    const fi = env.fieldOf(st.lhs, file);
    if (fi) return { kind: 'field', word, slot: fieldKey(structLabel(fi.owner), fi.name), owner: fi.owner, field: fi, how: 'store' };
  }
  return undefined;
}

/** A macro definition (a scan of every file: only for go-to-definition): in this file first, then in headers, then anywhere. */
export function macroNamed(index: KernelIndex, name: string, file: string): { file: string; line: number } | undefined {
  const own = index.files.get(file)?.macros.find((m) => m.name === name);
  if (own) return { file, line: own.line };
  let other: { file: string; line: number } | undefined;
  for (const [rel, f] of index.files) {
    if (!mayDefineMacro(f, name)) continue;
    const m = f.macros.find((x) => x.name === name);
    if (!m) continue;
    if (rel.endsWith('.h')) return { file: rel, line: m.line };
    other ??= { file: rel, line: m.line };
  }
  return other;
}

/**
 * The span to show for a call edge: the callee's name (`sendmsg` of `ops->sendmsg(…)` for an
 * indirect call, the function name for a direct one). Memoizes each file's sites for a request.
 */
export function edgeSpanner(index: KernelIndex): (e: { file: string; line: number; col: number; kind: string; to: string }) => Span {
  const byFile = new Map<string, Map<string, SiteInfo>>();
  return (e) => {
    if (e.kind === 'direct') {
      const name = index.fnById(e.to)?.name ?? e.to.replace(/@.*/, '');
      return { file: e.file, line: e.line, col: e.col, endCol: e.col + name.length };
    }
    let sites = byFile.get(e.file);
    if (!sites) {
      sites = new Map(index.sitesIn(e.file).map((s) => [`${s.site.line}:${s.site.col}`, s]));
      byFile.set(e.file, sites);
    }
    const s = sites.get(`${e.line}:${e.col}`);
    return s
      ? { file: e.file, line: s.site.nameLine, col: s.site.nameCol, endCol: s.site.endCol }
      : { file: e.file, line: e.line, col: e.col, endCol: e.col };
  };
}
