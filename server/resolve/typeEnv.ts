// Whole-tree type knowledge: structs and their fields, typedefs, field-alias macros, globals,
// function return types. Built from every file's facts; answers "what is the type of this
// expression" for resolve/slots.ts.
import type { Expr, FieldDecl, FileFacts, FunctionDef, GlobalVar, MacroDef, StructDecl, TypeRef } from '../parse/facts';
import { VALUE_WRAPPERS } from '../parse/kernelMacros';
import { MacroTable, expandCallee, type Expansion } from './macros';

export interface FieldInfo extends FieldDecl {
  owner: string;
  file: string;
}
export interface StructInfo {
  name: string;
  fields: Map<string, FieldInfo>;
  ordered: FieldInfo[];
  defs: { file: string; line: number; col: number; decl: StructDecl }[];
}
/**
 * A function as the index holds it. Its parameter list and signature text are left out: for files
 * read from the cache they stay packed until KernelIndex.fullDef() asks for them (lazyFacts.ts).
 */
export interface FnEntry {
  id: string;
  name: string;
  file: string;
  def: Omit<FunctionDef, 'params' | 'signature'>;
}
export interface GlobalEntry {
  id: string;
  file: string;
  g: GlobalVar;
}

/** `struct sock` → `sock`: the label used in slot keys and shown to people. */
export function structLabel(base: string): string {
  return base.replace(/^(struct|union) /, '');
}

export function functionId(name: string, file: string, isStatic: boolean): string {
  // A static function in a .c file is private to it; static inline helpers in headers are shared.
  return isStatic && !file.endsWith('.h') ? `${name}@${file}` : name;
}

/** The name in a function id (functionId's inverse, less the file). */
export function functionName(id: string): string {
  const at = id.indexOf('@');
  return at >= 0 ? id.slice(0, at) : id;
}

/**
 * One name defined in several files (a typedef in two drivers, a macro under two #ifdefs): every
 * definition is kept, and the one that counts is chosen by rank, then by path. The answer then
 * never depends on the order files were indexed in (parse order and cache order differ), and a
 * file taken out gives the name back to the next definition.
 */
class Ranked<V> {
  private readonly defs = new Map<string, { file: string; rank: number; v: V }[]>();
  readonly best = new Map<string, V>();

  add(name: string, file: string, rank: number, v: V): void {
    const list = this.defs.get(name);
    if (list) list.push({ file, rank, v });
    else this.defs.set(name, [{ file, rank, v }]);
    this.choose(name);
  }

  removeFile(name: string, file: string): void {
    const list = this.defs.get(name)?.filter((d) => d.file !== file);
    if (list?.length) this.defs.set(name, list);
    else this.defs.delete(name);
    this.choose(name);
  }

  private choose(name: string): void {
    const list = this.defs.get(name);
    if (!list) {
      this.best.delete(name);
      return;
    }
    let b = list[0];
    for (const d of list) if (d.rank < b.rank || (d.rank === b.rank && d.file < b.file)) b = d;
    this.best.set(name, b.v);
  }
}

/** A typed function-table view over many files; mutated by add/remove as files change. */
export class TypeEnv {
  readonly structs = new Map<string, StructInfo>();
  private readonly typedefDefs = new Ranked<TypeRef>();
  private readonly aliasDefs = new Ranked<string[]>();
  /** Return types of typed function-like macros and of prototypes; definitions' are read from `functions`. */
  private readonly macroReturns = new Ranked<TypeRef>();
  private readonly declReturns = new Ranked<{ ret: TypeRef; file: string; line: number }>();
  readonly typedefs = this.typedefDefs.best;
  readonly aliases = this.aliasDefs.best;
  readonly functions = new Map<string, FnEntry[]>();
  readonly globals = new Map<string, GlobalEntry[]>();
  readonly macros = new MacroTable();
  /** Functions and variables that macro uses define (`DEFINE_SHOW_ATTRIBUTE(foo)` → `foo_open`), by the file of the use. */
  private generated = new Map<string, Pick<Expansion, 'functions' | 'globals'>>();

  /** `macros`: the file's macros that type anything (the caller may keep the rest unread). */
  add(f: FileFacts, macros: MacroDef[] = f.macros): void {
    for (const s of f.structs) {
      let info = this.structs.get(s.name);
      if (!info) {
        info = { name: s.name, fields: new Map(), ordered: [], defs: [] };
        this.structs.set(s.name, info);
      }
      info.defs.push({ file: f.path, line: s.line, col: s.col, decl: s });
      unionFields(info);
    }
    // A named typedef beats an anonymous one (`typedef struct { … } x_t` seen as `<anon…>`).
    for (const t of f.typedefs) this.typedefDefs.add(t.name, f.path, t.type.base.startsWith('<') ? 1 : 0, t.type);
    for (const m of macros) {
      if (m.value) this.aliasDefs.add(m.name, f.path, 0, m.value.split('.'));
      if (m.returns) this.macroReturns.add(m.name, f.path, 0, { ...m.returns, base: m.returns.base.replace(/^const /, '') });
    }
    for (const d of f.decls) this.declReturns.add(d.name, f.path, 0, { ret: d.ret, file: f.path, line: d.line });
    this.addDefinitions(f.path, f.functions, f.globals);
    this.macros.add(f);
  }

  private addDefinitions(file: string, functions: readonly FunctionDef[], globals: readonly GlobalVar[]): void {
    for (const d of functions) push(this.functions, d.name, { id: functionId(d.name, file, d.isStatic), name: d.name, file, def: d });
    for (const g of globals) push(this.globals, g.name, { id: g.isStatic && !file.endsWith('.h') ? `${g.name}@${file}` : g.name, file, g });
  }

  private removeDefinitions(
    file: string,
    functions: readonly { name: string }[],
    globals: readonly { name: string }[],
    def?: (e: FnEntry | GlobalEntry) => boolean,
  ): void {
    const keep = (e: FnEntry | GlobalEntry): boolean => e.file !== file || (def !== undefined && !def(e));
    for (const d of functions) {
      const list = this.functions.get(d.name)?.filter(keep);
      if (list?.length) this.functions.set(d.name, list);
      else this.functions.delete(d.name);
    }
    for (const g of globals) {
      const list = this.globals.get(g.name)?.filter(keep);
      if (list?.length) this.globals.set(g.name, list);
      else this.globals.delete(g.name);
    }
  }

  /** Set what a file's macro uses define (replacing what they defined before). */
  setGenerated(file: string, d: Pick<Expansion, 'functions' | 'globals'> | undefined): void {
    const old = this.generated.get(file);
    if (old) {
      const mine = new Set<unknown>([...old.functions, ...old.globals]);
      this.removeDefinitions(file, old.functions, old.globals, (e) => mine.has('def' in e ? e.def : e.g));
      this.generated.delete(file);
    }
    if (d && (d.functions.length || d.globals.length)) {
      this.generated.set(file, d);
      this.addDefinitions(file, d.functions, d.globals);
    }
  }

  /** Forget a file's contributions (before re-adding its new facts). */
  remove(f: FileFacts, macros: MacroDef[] = f.macros): void {
    for (const s of f.structs) {
      const info = this.structs.get(s.name);
      if (!info) continue;
      info.defs = info.defs.filter((d) => d.file !== f.path);
      if (info.defs.length === 0) this.structs.delete(s.name);
      else unionFields(info);
    }
    // What the file's macro uses generated stays until setGenerated replaces it.
    const generated = new Set<unknown>([...(this.generated.get(f.path)?.functions ?? []), ...(this.generated.get(f.path)?.globals ?? [])]);
    this.removeDefinitions(f.path, f.functions, f.globals, (e) => !generated.has('def' in e ? e.def : e.g));
    this.macros.remove(f);
    for (const t of f.typedefs) this.typedefDefs.removeFile(t.name, f.path);
    for (const m of macros) {
      if (m.value) this.aliasDefs.removeFile(m.name, f.path);
      if (m.returns) this.macroReturns.removeFile(m.name, f.path);
    }
    for (const d of f.decls) this.declReturns.removeFile(d.name, f.path);
  }

  /** What a call of `name` returns: a typed macro's pointer, else the definition first by path, else a prototype's. */
  returnType(name: string): TypeRef | undefined {
    const macro = this.macroReturns.best.get(name);
    if (macro) return macro;
    const defs = this.functions.get(name);
    if (defs) {
      let first = defs[0];
      for (const d of defs) if (d.file < first.file) first = d;
      return first.def.ret;
    }
    return this.declReturns.best.get(name)?.ret;
  }

  /** Where a function is declared (a prototype), first by path: for functions whose body is not indexed. */
  declaration(name: string): { file: string; line: number } | undefined {
    return this.declReturns.best.get(name);
  }

  /** Follow typedefs to a struct, union or primitive. */
  canon(t: TypeRef): TypeRef {
    let cur = t;
    for (let i = 0; i < 12; i++) {
      const td = this.typedefs.get(cur.base);
      if (!td || td.base === cur.base) break;
      cur = { base: td.base, ptr: cur.ptr + td.ptr, fn: cur.fn || td.fn };
    }
    return cur;
  }

  /** The function a name means when used in `file`: its own static, else the global, else a header's. */
  /** The function with this id (`name`, or `name@file` for a static one). */
  functionById(id: string): FnEntry | undefined {
    return this.functions.get(functionName(id))?.find((e) => e.id === id);
  }

  lookupFunction(name: string, file: string): FnEntry | undefined {
    const list = this.functions.get(name);
    if (!list) return undefined;
    let global: FnEntry | undefined;
    let header: FnEntry | undefined;
    // Among several candidates, the first by path: the answer must not depend on the order files
    // were indexed in (parse order and cache order differ).
    const first = (a: FnEntry | undefined, b: FnEntry): FnEntry => (a && a.file <= b.file ? a : b);
    for (const e of list) {
      if (e.file === file) return e;
      if (!e.def.isStatic) global = first(global, e);
      else if (e.file.endsWith('.h')) header = first(header, e);
    }
    return global ?? header ?? (list.length === 1 || list.every((e) => e.id === list[0].id) ? list[0] : undefined);
  }

  lookupGlobal(name: string, file: string): GlobalEntry | undefined {
    const list = this.globals.get(name);
    if (!list) return undefined;
    const sorted = list.length > 1 ? [...list].sort((a, b) => (a.file < b.file ? -1 : 1)) : list;
    return sorted.find((g) => g.file === file) ?? sorted.find((g) => !g.g.isStatic) ?? sorted.find((g) => g.file.endsWith('.h'));
  }

  /** A field of a struct, through anonymous members (flattened at extraction) and alias macros. */
  field(structName: string, name: string): FieldInfo | undefined {
    const s = this.structs.get(structName);
    const direct = s?.fields.get(name);
    if (direct) return direct;
    const alias = this.aliases.get(name);
    if (!alias || !s) return undefined;
    // `#define sk_prot __sk_common.skc_prot`: walk the path from this struct.
    let owner = structName;
    let fi: FieldInfo | undefined;
    for (const step of alias) {
      fi = this.structs.get(owner)?.fields.get(step);
      if (!fi) return undefined;
      owner = this.canon(fi.type).base;
    }
    return fi;
  }

  /** The type of an expression, or undefined when it cannot be known from the index. */
  typeOf(e: Expr, file: string, depth = 0): TypeRef | undefined {
    if (depth > 16) return undefined;
    switch (e.k) {
      case 'local':
        return this.canon(e.t);
      case 'name': {
        const g = this.lookupGlobal(e.n, file);
        if (g) return this.canon(g.g.type);
        if (this.functions.has(e.n)) return { base: e.n, ptr: 0, fn: true };
        // `current` (`#define current get_current()`): the type of what the macro stands for.
        const m = this.macros.lookup(e.n, file, Infinity);
        return m?.expr && m.params.length === 0 ? this.typeOf(m.expr, file, depth + 1) : undefined;
      }
      case 'field': {
        const fi = this.fieldOf(e, file, depth);
        return fi ? this.canon(fi.type) : undefined;
      }
      case 'call': {
        if (VALUE_WRAPPERS.has(e.f)) return e.a[0] ? this.typeOf(e.a[0], file, depth + 1) : undefined;
        const r = this.returnType(e.f);
        if (r) return this.canon(r);
        // A macro that forwards to another (`hsi_get_port(cl)` → `to_hsi_port(…)`): the type of its expansion.
        const expanded = expandCallee(this.macros, e, file);
        return expanded ? this.typeOf(expanded, file, depth + 1) : undefined;
      }
      case 'cast':
        return this.canon(e.t);
      case 'index':
      case 'deref': {
        const t = this.typeOf(e.e, file, depth + 1);
        return t && t.ptr > 0 ? { ...t, ptr: t.ptr - 1 } : t;
      }
      case 'addr': {
        const t = this.typeOf(e.e, file, depth + 1);
        return t ? { ...t, ptr: t.ptr + 1 } : undefined;
      }
      case 'cond':
        return this.typeOf(e.a, file, depth + 1) ?? this.typeOf(e.b, file, depth + 1);
      default:
        return undefined;
    }
  }

  /** The field a field expression denotes (`sk->sk_prot` → sock_common.skc_prot). */
  fieldOf(e: Extract<Expr, { k: 'field' }>, file: string, depth = 0): FieldInfo | undefined {
    const t = this.typeOf(e.e, file, depth + 1);
    if (!t || !(t.base.startsWith('struct ') || t.base.startsWith('union '))) return undefined;
    return this.field(t.base, e.f);
  }

  /** Follow an initializer's designator path from type t to the field it ends on. */
  initField(t: TypeRef, path: string[]): FieldInfo | undefined {
    let cur = this.canon(t);
    let fi: FieldInfo | undefined;
    for (const step of path) {
      if (step.startsWith('#') && cur.ptr > 0) {
        cur = { ...cur, ptr: cur.ptr - 1 };
        fi = undefined;
        continue;
      }
      const s = this.structs.get(cur.base);
      if (!s) return undefined;
      if (step.startsWith('#')) {
        fi = step === '#*' ? undefined : s.ordered[Number(step.slice(1))];
      } else {
        fi = this.field(cur.base, step);
      }
      if (!fi) return undefined;
      cur = this.canon(fi.type);
    }
    return fi;
  }
}

/**
 * The same struct may be defined under several #ifdefs or in tools/ copies: union the fields, the
 * definition first by path winning a clash and giving the positional order.
 */
function unionFields(info: StructInfo): void {
  if (info.defs.length > 1) info.defs.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : a.line - b.line));
  info.fields = new Map();
  info.ordered = [];
  info.defs.forEach((d, i) => {
    for (const fd of d.decl.fields) {
      // Written out, not spread: a literal of one shape is several times faster over 10^6 fields.
      const fi: FieldInfo = { name: fd.name, type: fd.type, line: fd.line, col: fd.col, owner: d.decl.name, file: d.file };
      if (!info.fields.has(fd.name)) info.fields.set(fd.name, fi);
      if (i === 0) info.ordered.push(fi);
    }
  });
}

function push<K, V>(m: Map<K, V[]>, k: K, v: V): void {
  const list = m.get(k);
  if (list) list.push(v);
  else m.set(k, [v]);
}
