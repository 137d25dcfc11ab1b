// A file's head facts (what a warm start parses: functions, types, stores, arguments, indirect
// calls) written as positional JSON arrays instead of objects. Keys made up half of the head's
// bytes, and JSON.parse of arrays of scalars is about twice as fast as of objects with those keys;
// the objects are then built in JS with one stable shape per kind. Optional members stay absent
// when they were absent, so a round trip gives back equal facts.
import type {
  ArgPass,
  Expr,
  FileFacts,
  FunctionDecl,
  FunctionDef,
  GlobalVar,
  IndirectCall,
  InitTarget,
  MacroDef,
  MacroInclude,
  MacroTemplate,
  MacroUse,
  Store,
  StructDecl,
  TypeRef,
  Typedef,
} from '../parse/facts';
import type { CondTable } from '../parse/conditionals';

/** The head as it is cached: FileFacts without calls, and functions without signature and params. */
export type HeadFacts = Omit<FileFacts, 'calls'>;
type Packed = unknown[];

const typeOut = (t: TypeRef): Packed => (t.fn ? [t.base, t.ptr, 1] : [t.base, t.ptr]);

// Types are never written to once built: one shared, frozen copy of each (a net-scope warm start
// builds about a million of them, of some thousands kinds).
const sharedTypes = new Map<string, TypeRef[]>();
function typeIn(p: Packed): TypeRef {
  const base = p[0] as string;
  const ptr = p[1] as number;
  const fn = p.length > 2;
  let byPtr = sharedTypes.get(base);
  if (!byPtr) sharedTypes.set(base, (byPtr = []));
  return (byPtr[ptr * 2 + (fn ? 1 : 0)] ??= Object.freeze(fn ? { base, ptr, fn: true } : { base, ptr }));
}

// Expressions: a kind letter, then the members in a fixed order.
function exprOut(e: Expr): Packed {
  switch (e.k) {
    case 'local':
      return e.param === undefined ? ['l', e.n, typeOut(e.t)] : ['l', e.n, typeOut(e.t), e.param];
    case 'name':
      return ['n', e.n];
    case 'field':
      return ['f', exprOut(e.e), e.f];
    case 'call':
      return ['c', e.f, e.a.map(exprOut)];
    case 'callp':
      return ['p', exprOut(e.e)];
    case 'cast':
      return ['t', typeOut(e.t), exprOut(e.e)];
    case 'index':
      return ['i', exprOut(e.e)];
    case 'deref':
      return ['d', exprOut(e.e)];
    case 'addr':
      return ['a', exprOut(e.e)];
    case 'cond':
      return ['?', exprOut(e.a), exprOut(e.b)];
    case 'other':
      return ['o'];
  }
}

function exprIn(p: Packed): Expr {
  switch (p[0]) {
    case 'l': {
      const e: Expr = { k: 'local', n: p[1] as string, t: typeIn(p[2] as Packed) };
      if (p.length > 3) e.param = p[3] as number;
      return e;
    }
    case 'n':
      return { k: 'name', n: p[1] as string };
    case 'f':
      return { k: 'field', e: exprIn(p[1] as Packed), f: p[2] as string };
    case 'c':
      return { k: 'call', f: p[1] as string, a: (p[2] as Packed[]).map(exprIn) };
    case 'p':
      return { k: 'callp', e: exprIn(p[1] as Packed) };
    case 't':
      return { k: 'cast', t: typeIn(p[1] as Packed), e: exprIn(p[2] as Packed) };
    case 'i':
      return { k: 'index', e: exprIn(p[1] as Packed) };
    case 'd':
      return { k: 'deref', e: exprIn(p[1] as Packed) };
    case 'a':
      return { k: 'addr', e: exprIn(p[1] as Packed) };
    case '?':
      return { k: 'cond', a: exprIn(p[1] as Packed), b: exprIn(p[2] as Packed) };
    case 'o':
      return { k: 'other' };
    default:
      throw new Error(`unknown expression kind ${String(p[0])}`);
  }
}

// Booleans travel as 0/1; optional members last, present only when set.
function functionOut(d: FunctionDef): Packed {
  const p: Packed = [d.name, d.line, d.col, d.endLine, d.nameLine, d.nameCol, typeOut(d.ret), d.isStatic ? 1 : 0, d.isInline ? 1 : 0];
  if (d.viaMacro !== undefined) p.push(d.viaMacro);
  return p;
}
function functionIn(p: Packed): FunctionDef {
  const d = {
    name: p[0] as string,
    line: p[1] as number,
    col: p[2] as number,
    endLine: p[3] as number,
    nameLine: p[4] as number,
    nameCol: p[5] as number,
    ret: typeIn(p[6] as Packed),
    isStatic: p[7] === 1,
    isInline: p[8] === 1,
  } as FunctionDef;
  if (p.length > 9) d.viaMacro = p[9] as string;
  return d;
}

const declOut = (d: FunctionDecl): Packed => [d.name, d.line, d.col, typeOut(d.ret), d.isStatic ? 1 : 0];
const declIn = (p: Packed): FunctionDecl => ({
  name: p[0] as string,
  line: p[1] as number,
  col: p[2] as number,
  ret: typeIn(p[3] as Packed),
  isStatic: p[4] === 1,
});

const structOut = (s: StructDecl): Packed => [
  s.name,
  s.line,
  s.col,
  s.endLine,
  s.fields.flatMap((f) => [f.name, typeOut(f.type), f.line, f.col]),
];
function structIn(p: Packed): StructDecl {
  const flat = p[4] as unknown[];
  const fields: StructDecl['fields'] = new Array(flat.length / 4);
  for (let i = 0, j = 0; i < flat.length; i += 4, j++)
    fields[j] = { name: flat[i] as string, type: typeIn(flat[i + 1] as Packed), line: flat[i + 2] as number, col: flat[i + 3] as number };
  return { name: p[0] as string, fields, line: p[1] as number, col: p[2] as number, endLine: p[3] as number };
}

const typedefOut = (t: Typedef): Packed => [t.name, typeOut(t.type), t.line];
const typedefIn = (p: Packed): Typedef => ({ name: p[0] as string, type: typeIn(p[1] as Packed), line: p[2] as number });

const globalOut = (g: GlobalVar): Packed => [g.name, typeOut(g.type), g.line, g.col, g.isStatic ? 1 : 0];
const globalIn = (p: Packed): GlobalVar => ({
  name: p[0] as string,
  type: typeIn(p[1] as Packed),
  line: p[2] as number,
  col: p[3] as number,
  isStatic: p[4] === 1,
});

function macroOut(m: MacroDef): Packed {
  return [m.name, m.line, m.fnLike ? 1 : 0, m.value ?? null, m.returns ? typeOut(m.returns) : null];
}
function macroIn(p: Packed): MacroDef {
  const m: MacroDef = { name: p[0] as string, line: p[1] as number, fnLike: p[2] === 1 };
  if (p[3] !== null) m.value = p[3] as string;
  if (p[4] !== null) m.returns = typeIn(p[4] as Packed);
  return m;
}

function icallOut(c: IndirectCall): Packed {
  return [c.from, exprOut(c.callee), c.line, c.col, c.nameLine, c.nameCol, c.endCol, c.hints ?? null, c.via ?? null];
}
function icallIn(p: Packed): IndirectCall {
  const c: IndirectCall = {
    from: p[0] as string,
    callee: exprIn(p[1] as Packed),
    line: p[2] as number,
    col: p[3] as number,
    nameLine: p[4] as number,
    nameCol: p[5] as number,
    endCol: p[6] as number,
  };
  if (p[7] !== null) c.hints = p[7] as string[];
  if (p[8] !== null) c.via = p[8] as string;
  return c;
}

// A store's left side is an lvalue expression, or an initializer target (kind letter 'I').
const initOut = (t: InitTarget): Packed => ['I', typeOut(t.t), t.path, t.v];
const initIn = (l: Packed): InitTarget => ({ k: 'init', t: typeIn(l[1] as Packed), path: l[2] as string[], v: l[3] as string });
function storeOut(s: Store): Packed {
  const lhs = s.lhs.k === 'init' ? initOut(s.lhs) : exprOut(s.lhs);
  return [s.from, lhs, exprOut(s.rhs), s.line, s.col, s.kind === 'init' ? 1 : 0];
}
function storeIn(p: Packed): Store {
  const l = p[1] as Packed;
  const lhs: Expr | InitTarget = l[0] === 'I' ? initIn(l) : exprIn(l);
  return {
    from: p[0] as string,
    lhs,
    rhs: exprIn(p[2] as Packed),
    line: p[3] as number,
    col: p[4] as number,
    kind: p[5] === 1 ? 'init' : 'assign',
  };
}

// Macro uses and templates (facts.ts): the init target of a use is last, present only when set.
function useOut(u: MacroUse): Packed {
  const p: Packed = [u.from, u.name, u.args.map(exprOut), u.line, u.col];
  if (u.init || u.value) p.push(u.init ? initOut(u.init) : 0);
  if (u.value) p.push(u.value.map(storeOut));
  return p;
}
function useIn(p: Packed): MacroUse {
  const u: MacroUse = {
    from: p[0] as string,
    name: p[1] as string,
    args: (p[2] as Packed[]).map(exprIn),
    line: p[3] as number,
    col: p[4] as number,
  };
  if (p[5]) u.init = initIn(p[5] as Packed);
  if (p[6]) u.value = (p[6] as Packed[]).map(storeIn);
  return u;
}
function templateOut(t: MacroTemplate): Packed {
  return [
    t.name,
    t.line,
    t.params,
    t.alias ?? null,
    t.expr ? exprOut(t.expr) : null,
    t.init ? 1 : 0,
    t.stores.map(storeOut),
    t.uses.map(useOut),
    t.functions.map((d) => [functionOut(d), d.params.map((x) => [x.name, typeOut(x.type)])]),
    t.globals.map(globalOut),
  ];
}
function templateIn(p: Packed): MacroTemplate {
  const t: MacroTemplate = {
    name: p[0] as string,
    line: p[1] as number,
    params: p[2] as string[],
    stores: (p[6] as Packed[]).map(storeIn),
    uses: (p[7] as Packed[]).map(useIn),
    functions: (p[8] as Packed[]).map(([d, params]) => {
      const fd = functionIn(d as Packed);
      fd.params = (params as Packed[]).map((x) => ({ name: x[0] as string, type: typeIn(x[1] as Packed) }));
      fd.signature = '';
      return fd;
    }),
    globals: (p[9] as Packed[]).map(globalIn),
  };
  if (p[3] !== null) t.alias = p[3] as string;
  if (p[4] !== null) t.expr = exprIn(p[4] as Packed);
  if (p[5] === 1) t.init = true;
  return t;
}
const includesOut = (xs: MacroInclude[]): Packed => xs.flatMap((x) => [x.from, x.path, x.line]);
function includesIn(flat: Packed): MacroInclude[] {
  const out: MacroInclude[] = [];
  for (let i = 0; i < flat.length; i += 3) out.push({ from: flat[i] as string, path: flat[i + 1] as string, line: flat[i + 2] as number });
  return out;
}

const argOut = (a: ArgPass): Packed => {
  const p: Packed = [a.from, a.callee, a.index, exprOut(a.value), a.line, a.col];
  if (a.site !== undefined) p.push(a.site);
  return p;
};
function argIn(p: Packed): ArgPass {
  const a: ArgPass = {
    from: p[0] as string,
    callee: p[1] as string,
    index: p[2] as number,
    value: exprIn(p[3] as Packed),
    line: p[4] as number,
    col: p[5] as number,
  };
  if (p.length > 6) a.site = p[6] as number;
  return a;
}

/** The head as one JSON-ready array. */
export function packHead(h: HeadFacts): Packed {
  return [
    h.path,
    h.functions.map(functionOut),
    h.decls.map(declOut),
    h.structs.map(structOut),
    h.typedefs.map(typedefOut),
    h.globals.map(globalOut),
    h.macros.map(macroOut),
    h.icalls.map(icallOut),
    h.stores.map(storeOut),
    h.args.map(argOut),
    h.notes,
    h.lexOnly ? 1 : 0,
    h.conds ?? 0,
    h.cIncludes?.flatMap((c) => [c.path, c.line]) ?? 0,
    h.templates?.map(templateOut) ?? 0,
    h.uses?.map(useOut) ?? 0,
    h.includes ? includesOut(h.includes) : 0,
  ];
}

export function unpackHead(p: Packed): HeadFacts {
  const h: HeadFacts = {
    path: p[0] as string,
    functions: (p[1] as Packed[]).map(functionIn),
    decls: (p[2] as Packed[]).map(declIn),
    structs: (p[3] as Packed[]).map(structIn),
    typedefs: (p[4] as Packed[]).map(typedefIn),
    globals: (p[5] as Packed[]).map(globalIn),
    macros: (p[6] as Packed[]).map(macroIn),
    icalls: (p[7] as Packed[]).map(icallIn),
    stores: (p[8] as Packed[]).map(storeIn),
    args: (p[9] as Packed[]).map(argIn),
    notes: p[10] as string[],
  };
  if (p[11] === 1) h.lexOnly = true;
  if (p[12]) h.conds = p[12] as CondTable;
  if (p[13]) {
    const flat = p[13] as (string | number)[];
    h.cIncludes = [];
    for (let i = 0; i < flat.length; i += 2) h.cIncludes.push({ path: flat[i] as string, line: flat[i + 1] as number });
  }
  if (p[14]) h.templates = (p[14] as Packed[]).map(templateIn);
  if (p[15]) h.uses = (p[15] as Packed[]).map(useIn);
  if (p[16]) h.includes = includesIn(p[16] as Packed);
  return h;
}
