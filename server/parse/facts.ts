// What one file contributes to the index. Produced by extract.ts inside a worker, stored as JSON in
// the cache, merged by index/tables.ts. Everything is plain data (no tree-sitter objects) so that it
// crosses threads and survives on disk. Positions are 0-based line and column (UTF-16 like LSP).
import type { CInclude, CondTable } from './conditionals';

/** A C type as written, reduced to what resolution needs. */
export interface TypeRef {
  /** `struct sock`, `union foo`, a typedef name, or a primitive (`int`). */
  base: string;
  /** Number of `*` (arrays count as one). */
  ptr: number;
  /** The declarator was a function or a pointer to one (a function-pointer field or parameter). */
  fn?: boolean;
}

/**
 * A symbolic expression, kept only where resolution needs it (callees, store targets and values).
 * `local` means the worker already knew the type (a parameter or a local declaration);
 * `name` is an identifier left for the global phase (a function, a global or an enum constant).
 */
export type Expr =
  | { k: 'local'; n: string; t: TypeRef; param?: number }
  | { k: 'name'; n: string }
  | { k: 'field'; e: Expr; f: string }
  | { k: 'call'; f: string; a: Expr[] }
  | { k: 'callp'; e: Expr }
  | { k: 'cast'; t: TypeRef; e: Expr }
  | { k: 'index'; e: Expr }
  | { k: 'deref'; e: Expr }
  | { k: 'addr'; e: Expr }
  | { k: 'cond'; a: Expr; b: Expr }
  | { k: 'other' };

export interface Pos {
  line: number;
  col: number;
}

export interface FieldDecl {
  name: string;
  type: TypeRef;
  line: number;
  col: number;
}

export interface StructDecl {
  /** `struct proto_ops`, `union foo`, or a synthetic `struct outer::member` for a named nested member. */
  name: string;
  fields: FieldDecl[];
  line: number;
  col: number;
  endLine: number;
}

export interface FunctionDef {
  name: string;
  line: number;
  col: number;
  endLine: number;
  /** Position of the name, for go-to-definition. */
  nameLine: number;
  nameCol: number;
  ret: TypeRef;
  params: { name: string; type: TypeRef }[];
  isStatic: boolean;
  isInline: boolean;
  /** The text of the declaration up to the body, for hover. */
  signature: string;
  /** Set for functions defined by a macro: `SYSCALL_DEFINE3`, `BPF_CALL_2`, … */
  viaMacro?: string;
}

export interface FunctionDecl {
  name: string;
  line: number;
  col: number;
  ret: TypeRef;
  isStatic: boolean;
}

export interface GlobalVar {
  name: string;
  type: TypeRef;
  line: number;
  col: number;
  isStatic: boolean;
}

/** A direct call `f(...)` inside function `from`. */
export interface CallSite {
  from: string;
  callee: string;
  line: number;
  col: number;
}

/** A call through an expression (a field, a parameter, a local). */
export interface IndirectCall {
  from: string;
  callee: Expr;
  line: number;
  col: number;
  /** Position of the field name or identifier the user points at (`sendmsg` in `ops->sendmsg`). */
  nameLine: number;
  nameCol: number;
  endCol: number;
  /** `INDIRECT_CALL_n` hints in argument order, which is the order the macro tests them. */
  hints?: string[];
  /** The macro that wrapped it (`INDIRECT_CALL_INET`) if any. */
  via?: string;
}

/**
 * A value stored into a slot. `lhs` is either an lvalue expression (assignment, WRITE_ONCE)
 * or, for initializers, a struct type plus designator path.
 */
export interface Store {
  /** Enclosing function, or '' at file scope. */
  from: string;
  lhs: Expr | InitTarget;
  rhs: Expr;
  line: number;
  col: number;
  kind: 'init' | 'assign';
}

/** An argument of a direct call that may be a function or a function pointer. */
/** The target of an initializer value: a declared variable of type `t`, reached by `path` (`#3` = positional, `#*` = array element). */
export interface InitTarget {
  k: 'init';
  t: TypeRef;
  path: string[];
  v: string;
}

export interface ArgPass {
  from: string;
  /** The function called directly; '' when the call is indirect (then `site` says which). */
  callee: string;
  /** An argument of an indirect call: its index in the file's `icalls`. It reaches parameter `index` of every target. */
  site?: number;
  index: number;
  value: Expr;
  line: number;
  col: number;
}

export interface MacroDef {
  name: string;
  line: number;
  /** Object-like macros: the replacement text (only kept when it looks like a field path). */
  value?: string;
  fnLike: boolean;
  /** Function-like macros that yield a typed pointer (`#define inet_csk(p) container_of_const(p, struct inet_connection_sock, …)`). */
  returns?: TypeRef;
}

/**
 * A macro invoked with arguments: at file scope (`DEFINE_SHOW_ATTRIBUTE(foo);`, `KVM_X86_OP(vcpu_run)`),
 * in a body (`INIT_WORK(&w, fn)`), or as an initializer value (`= __ATTR_RO(x)`, `{ HCI_CS(op, fn) }`).
 * Resolution expands it with its definition (a MacroTemplate) when there is one.
 */
export interface MacroUse {
  /** Enclosing function, or '' at file scope. */
  from: string;
  name: string;
  args: Expr[];
  line: number;
  col: number;
  /** Set when the use is an initializer value: what it initializes (its stores are relative to this). */
  init?: InitTarget;
  /**
   * The initializer written after a use that declares a variable (`DEFINE_SCHED_CLASS(fair) = { … }`):
   * its stores, with targets relative to that variable (an empty type and name).
   */
  value?: Store[];
}

/** `#include` after local `#define`s, or inside a body: an x-macro list (`#include <asm/kvm-x86-ops.h>`) expanded here. */
export interface MacroInclude {
  from: string;
  path: string;
  line: number;
}

/**
 * A function-like macro whose body stores, declares, defines or passes something, as facts with its
 * parameters left open: parameter i is the name `__kp<i>__` and `a ## b` is the name `a__kpcat__b`
 * (TEMPLATE_PARAM, TEMPLATE_PASTE), wherever a name, field, designator or type is written. Stores
 * and uses with `from` '' belong to the function the macro is used in; those of a
 * function the macro defines name it (`__kp0____kpcat___open`).
 */
export interface MacroTemplate {
  name: string;
  line: number;
  params: string[];
  /** An object-like macro naming another (`#define KVM_X86_OP_OPTIONAL __KVM_X86_OP`). */
  alias?: string;
  /** A body that is an expression: its value (`static_call(kvm_x86_##func)`). */
  expr?: Expr;
  /** A body that is an initializer list: its stores' targets are relative to what the use initializes. */
  init?: boolean;
  stores: Store[];
  /** Macros (or functions) the body invokes with arguments, expanded in turn. */
  uses: MacroUse[];
  /** Functions and variables the body defines (`static int name##_open(…) {…}`, `struct rcu_tasks rt_name = {…}`). */
  functions: FunctionDef[];
  globals: GlobalVar[];
}

/** How a template writes its parameter `i`, and the token paste `##`. */
export const TEMPLATE_PARAM = (i: number): string => `__kp${i}__`;
export const TEMPLATE_PASTE = '__kpcat__';

export interface Typedef {
  name: string;
  type: TypeRef;
  line: number;
}

export interface FileFacts {
  path: string;
  functions: FunctionDef[];
  decls: FunctionDecl[];
  structs: StructDecl[];
  typedefs: Typedef[];
  globals: GlobalVar[];
  macros: MacroDef[];
  calls: CallSite[];
  icalls: IndirectCall[];
  stores: Store[];
  args: ArgPass[];
  /** Problems worth telling the user (parse errors, skipped parts). */
  notes: string[];
  /** Lexed only (a file of `#define`s), not parsed. */
  lexOnly?: boolean;
  /** The file's `#if` arms (conditionals.ts), when it has any: which lines a configuration compiles. */
  conds?: CondTable;
  /** `#include "x.c"` lines: such a file is compiled as part of this one. */
  cIncludes?: CInclude[];
  /** Macros defined here that resolution expands (see MacroTemplate), their uses, and x-macro includes. */
  templates?: MacroTemplate[];
  uses?: MacroUse[];
  includes?: MacroInclude[];
}

export function emptyFacts(path: string): FileFacts {
  return {
    path,
    functions: [],
    decls: [],
    structs: [],
    typedefs: [],
    globals: [],
    macros: [],
    calls: [],
    icalls: [],
    stores: [],
    args: [],
    notes: [],
  };
}

/**
 * Direct calls as they travel and rest: a name table and flat [from, callee, line, col] quadruples
 * indexing it. A file's calls are a third of its facts as objects; packed they are a fifth of that,
 * and the index can keep them unread until a query needs the call graph.
 */
export type PackedCalls = [names: string[], quads: number[]];

export function packCalls(calls: CallSite[]): PackedCalls {
  const names: string[] = [];
  const ids = new Map<string, number>();
  const id = (s: string): number => {
    let i = ids.get(s);
    if (i === undefined) {
      i = names.length;
      names.push(s);
      ids.set(s, i);
    }
    return i;
  };
  const quads: number[] = [];
  for (const c of calls) quads.push(id(c.from), id(c.callee), c.line, c.col);
  return [names, quads];
}

export function unpackCalls([names, quads]: PackedCalls, intern: (s: string) => string = (s) => s): CallSite[] {
  const shared = names.map(intern);
  const out: CallSite[] = new Array(quads.length / 4);
  for (let i = 0, j = 0; i < quads.length; i += 4, j++)
    out[j] = { from: shared[quads[i]], callee: shared[quads[i + 1]], line: quads[i + 2], col: quads[i + 3] };
  return out;
}
