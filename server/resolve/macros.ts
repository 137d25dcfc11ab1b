// Macros expanded for resolution. The extractor keeps each function-like macro whose body stores,
// defines or passes something as a template (facts.ts, MacroTemplate) and every use of a macro with
// arguments; here a use is expanded with the definition it means (the file's own last one before
// the use, else the first by path), recursively, into what the body does at the use: stores
// (`.show = _name##_show` → `.show = foo_show`), arguments passed to functions (`timer_setup(t, fn, 0)`
// → `init_timer_key(t, fn, …)`), functions and variables defined (`DEFINE_SHOW_ATTRIBUTE(foo)` →
// `foo_open`, `foo_fops`). An x-macro list (`#include <asm/kvm-x86-ops.h>` after local `#define
// KVM_X86_OP(func) …`) is expanded with the includer's definitions. A call through a macro that
// yields a function (`kvm_x86_call(vcpu_run)` → `static_call(kvm_x86_vcpu_run)`) is expanded the same way.
import * as posix from 'node:path/posix';
import type { ArgPass, Expr, FileFacts, FunctionDef, GlobalVar, InitTarget, MacroTemplate, MacroUse, Store, TypeRef } from '../parse/facts';
import { TEMPLATE_PASTE } from '../parse/facts';
import { STATIC_CALLS } from '../parse/kernelMacros';
import { mayBeFunctionValue } from '../parse/values';

interface Def {
  file: string;
  t: MacroTemplate;
}

/** Every template by name, and each file's file-scope uses (an x-macro list is a header of them). */
export class MacroTable {
  private readonly byName = new Map<string, Def[]>();
  private readonly fileUses = new Map<string, MacroUse[]>();

  add(f: FileFacts): void {
    for (const t of f.templates ?? []) {
      const list = this.byName.get(t.name);
      const d = { file: f.path, t };
      if (list) {
        list.push(d);
        list.sort(byPlace);
      } else this.byName.set(t.name, [d]);
    }
    const top = f.uses?.filter((u) => u.from === '' && !u.init);
    if (top?.length) this.fileUses.set(f.path, top);
  }

  remove(f: FileFacts): void {
    for (const t of f.templates ?? []) {
      const list = this.byName.get(t.name)?.filter((d) => d.file !== f.path);
      if (list?.length) this.byName.set(t.name, list);
      else this.byName.delete(t.name);
    }
    this.fileUses.delete(f.path);
  }

  /**
   * The definition `name` has at `file:line`: the file's own last one before the line (cpp's), else
   * (unless `localOnly`) the nearest other by folder (a driver's own header before another
   * driver's macro of the same name), then by path. Aliases are followed.
   */
  lookup(name: string, file: string, line: number, localOnly = false, depth = 0): MacroTemplate | undefined {
    const list = this.byName.get(name);
    if (!list || depth > 4) return undefined;
    let own: Def | undefined;
    let near: Def | undefined;
    let nearDistance = Infinity;
    for (const d of list) {
      if (d.file === file) {
        if (d.t.line < line && (!own || d.t.line > own.t.line)) own = d;
      } else if (!localOnly) {
        const distance = folderDistance(file, d.file);
        if (distance < nearDistance) {
          near = d;
          nearDistance = distance;
        }
      }
    }
    const d = own ?? near;
    if (!d) return undefined;
    return d.t.alias ? this.lookup(d.t.alias, file, line, localOnly, depth + 1) : d.t;
  }

  /** The file-scope uses of the header an `#include` in `from` names, if it has any. */
  includedUses(from: string, written: string): MacroUse[] | undefined {
    for (const c of includeCandidates(from, written)) {
      const uses = this.fileUses.get(c);
      if (uses) return uses;
    }
    return undefined;
  }
}

/** Folders up from `from` to the closest folder that also holds `to`. */
function folderDistance(from: string, to: string): number {
  const a = from.split('/');
  const b = to.split('/');
  let common = 0;
  while (common < a.length - 1 && common < b.length - 1 && a[common] === b[common]) common++;
  return a.length - 1 - common;
}

const byPlace = (a: Def, b: Def): number => (a.file < b.file ? -1 : a.file > b.file ? 1 : a.t.line - b.t.line);

/** Where `#include <x>` or `"x"` in `from` may point (the x86 headers are the indexed architecture's). */
function includeCandidates(from: string, written: string): string[] {
  const inner = written.slice(1, -1).trim();
  const arch = /^arch\/([^/]+)\//.exec(from)?.[1] ?? 'x86';
  const system = [`include/${inner}`, `arch/${arch}/include/${inner}`, `include/uapi/${inner}`, `arch/${arch}/include/uapi/${inner}`];
  return written.startsWith('"') ? [posix.normalize(posix.join(posix.dirname(from), inner)), ...system] : system;
}

/** What expansion yields, placed at the uses. */
export interface Expansion {
  stores: Store[];
  args: ArgPass[];
  functions: FunctionDef[];
  globals: GlobalVar[];
}

interface At {
  file: string;
  line: number;
  col: number;
  from: string;
}

const MAX_DEPTH = 8;
const PARAM = /__kp(\d+)__/g;
const WHOLE_PARAM = /^__kp(\d+)__$/;

/** Binds a template's parameters to a use's arguments. */
class Binding {
  constructor(private readonly args: Expr[]) {}

  /** A name, field, designator or type written with parameters: needs each such argument to be a name. */
  text(s: string): string | undefined {
    if (!s.includes('__kp')) return s;
    let ok = true;
    const out = s
      .replace(PARAM, (_, i: string) => {
        const a = this.args[Number(i)];
        if (a?.k === 'name' || a?.k === 'local') return a.n;
        ok = false;
        return '';
      })
      .split(TEMPLATE_PASTE)
      .join('');
    return ok && out ? out : undefined;
  }

  type(t: TypeRef): TypeRef | undefined {
    const base = this.text(t.base);
    return base === undefined ? undefined : base === t.base ? t : { ...t, base };
  }

  expr(e: Expr): Expr | undefined {
    switch (e.k) {
      case 'name': {
        const m = WHOLE_PARAM.exec(e.n);
        if (m) return this.args[Number(m[1])];
        const n = this.text(e.n);
        return n === undefined ? undefined : n === e.n ? e : { k: 'name', n };
      }
      case 'local':
      case 'other':
        return e;
      case 'field': {
        const inner = this.expr(e.e);
        const f = this.text(e.f);
        return inner && f !== undefined ? { k: 'field', e: inner, f } : undefined;
      }
      case 'call': {
        const f = this.text(e.f);
        return f === undefined ? undefined : { k: 'call', f, a: e.a.map((a) => this.expr(a) ?? { k: 'other' }) };
      }
      case 'cast': {
        const t = this.type(e.t);
        const inner = this.expr(e.e);
        return t && inner ? { k: 'cast', t, e: inner } : undefined;
      }
      case 'cond': {
        const a = this.expr(e.a);
        const b = this.expr(e.b);
        return a && b ? { k: 'cond', a, b } : undefined;
      }
      case 'callp':
      case 'index':
      case 'deref':
      case 'addr': {
        const inner = this.expr(e.e);
        return inner ? { k: e.k, e: inner } : undefined;
      }
    }
  }

  /** A template's initializer target: relative ones (an initializer-list body) continue the use's. */
  init(t: InitTarget, relative: boolean, outer: InitTarget | undefined): InitTarget | undefined {
    const path = t.path.map((p) => this.text(p));
    if (path.some((p) => p === undefined)) return undefined;
    if (relative) return outer ? { k: 'init', t: outer.t, path: [...outer.path, ...(path as string[])], v: outer.v } : undefined;
    const type = this.type(t.t);
    const v = this.text(t.v);
    return type && v !== undefined ? { k: 'init', t: type, path: path as string[], v } : undefined;
  }
}

function expandUse(table: MacroTable, use: MacroUse, at: At, out: Expansion, depth: number, localOnly = false): void {
  const t = table.lookup(use.name, at.file, at.line, localOnly);
  if (!t) {
    // A function reached through macros: what it is passed. (A use written in a body is a call the
    // extractor has recorded already.)
    if (depth > 0) {
      use.args.forEach((value, index) => {
        if (value.k !== 'field' && mayBeFunctionValue(value))
          out.args.push({ from: at.from, callee: use.name, index, value, line: at.line, col: at.col });
      });
    }
    return;
  }
  if (depth >= MAX_DEPTH) return;
  const b = new Binding(use.args);
  const fromOf = (from: string): string | undefined => (from === '' ? at.from : b.text(from));
  for (const st of t.stores) {
    const lhs = st.lhs.k === 'init' ? b.init(st.lhs, t.init === true, use.init) : b.expr(st.lhs);
    const rhs = b.expr(st.rhs);
    const from = fromOf(st.from);
    if (lhs && rhs && from !== undefined) out.stores.push({ from, lhs, rhs, line: at.line, col: at.col, kind: st.kind });
  }
  for (const d of t.functions) {
    const name = b.text(d.name);
    if (!name) continue;
    const params = d.params.map((p) => ({ name: p.name, type: b.type(p.type) ?? p.type }));
    out.functions.push({
      ...d,
      name,
      params,
      line: at.line,
      col: at.col,
      endLine: at.line,
      nameLine: at.line,
      nameCol: at.col,
      signature: `${use.name}(…)`,
      viaMacro: use.name,
    });
  }
  let declared: GlobalVar | undefined;
  for (const g of t.globals) {
    const name = b.text(g.name);
    const type = b.type(g.type);
    if (name && type) out.globals.push((declared = { ...g, name, type, line: at.line, col: at.col }));
  }
  // `DEFINE_SCHED_CLASS(fair) = { … }`: the initializer written after the use is the variable's.
  if (use.value) {
    const v = declared ?? definedBy(table, use, at, depth);
    for (const st of v ? use.value : []) {
      if (st.lhs.k === 'init') out.stores.push({ ...st, lhs: { k: 'init', t: v!.type, path: st.lhs.path, v: v!.name } });
    }
  }
  const nested: MacroUse[] = [];
  for (const u of t.uses) {
    const name = b.text(u.name);
    const from = fromOf(u.from);
    const init = u.init ? b.init(u.init, t.init === true && u.init.t.base === '', use.init) : undefined;
    if (!name || from === undefined || (u.init && !init)) continue;
    nested.push({
      from,
      name,
      args: u.args.map((a) => b.expr(a) ?? { k: 'other' }),
      line: at.line,
      col: at.col,
      ...(init ? { init } : {}),
    });
  }
  // A body that is a call (`__ATTR_RW(x)` → `__ATTR(x, 0644, x_show, x_store)`): the use goes on, initializing what it did.
  if (t.expr?.k === 'call' && !STATIC_CALLS.has(t.expr.f)) {
    const f = b.text(t.expr.f);
    if (f)
      nested.push({
        from: at.from,
        name: f,
        args: t.expr.a.map((a) => b.expr(a) ?? { k: 'other' }),
        line: at.line,
        col: at.col,
        ...(use.init ? { init: use.init } : {}),
      });
  }
  for (const u of nested) expandUse(table, u, { ...at, from: u.from }, out, depth + 1);
}

/** The variable a use declares through a macro it forwards to (`DEFINE_X(n)` → `__DEFINE_X(n, 0)`), if any. */
function definedBy(table: MacroTable, use: MacroUse, at: At, depth: number): GlobalVar | undefined {
  const inner: Expansion = { stores: [], args: [], functions: [], globals: [] };
  expandUse(table, { ...use, value: undefined }, at, inner, depth);
  return inner.globals[inner.globals.length - 1];
}

/** What the macro uses and x-macro includes of a file expand to. */
export function expandFile(table: MacroTable, f: FileFacts): Expansion {
  const out: Expansion = { stores: [], args: [], functions: [], globals: [] };
  for (const u of f.uses ?? []) expandUse(table, u, { file: f.path, line: u.line, col: u.col, from: u.from }, out, 0);
  for (const inc of f.includes ?? []) {
    const uses = table.includedUses(f.path, inc.path);
    if (!uses) continue;
    // The list's entries mean the includer's own definitions at that line.
    for (const u of uses) expandUse(table, u, { file: f.path, line: inc.line, col: 0, from: inc.from }, out, 0, true);
  }
  return out;
}

/**
 * A callee written as a macro that yields a function (`kvm_x86_call(vcpu_run)`), expanded: the
 * expression it stands for, or undefined when `name` is no such macro.
 */
export function expandCallee(table: MacroTable, e: Extract<Expr, { k: 'call' }>, file: string): Expr | undefined {
  const t = table.lookup(e.f, file, Infinity);
  return t?.expr ? new Binding(e.a).expr(t.expr) : undefined;
}
