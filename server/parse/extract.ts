// From one tree-sitter tree to FileFacts: definitions, types, call sites, stores. Runs in a worker.
// Local types (parameters, local declarations) are resolved here, where the scope is known;
// everything that needs the whole tree (struct fields, typedefs, globals) is left symbolic for
// resolve/.
import type { LNode as SyntaxNode } from './lightTree';
import type {
  Expr, FieldDecl, FileFacts, FunctionDef, MacroDef, StructDecl, TypeRef,
} from './facts';
import { emptyFacts } from './facts';
import {
  CONTAINER_MACROS, STORE_MACROS, VALUE_WRAPPERS, functionDefiningMacro, indirectCallHintCount,
} from './kernelMacros';

type Scope = Map<string, { t: TypeRef; param?: number }>;

interface Ctx {
  facts: FileFacts;
  /** Current function name ('' at file scope). */
  fn: string;
  scope: Scope;
  anon: number;
}

const UPPER = /^[A-Z0-9_]+$/;
const CONTAINER_IN_MACRO = /^\(?\s*(?:container_of(?:_const)?|list_entry|hlist_entry)\s*\([^,]+,\s*((?:struct|union)\s+\w+)\s*,/;
const CAST_MACRO = /^\(\s*\(\s*((?:const\s+)?(?:struct|union)\s+\w+)\s*\*\s*\)/;

// ---------------------------------------------------------------------------------------------
// Types

function baseOf(typeNode: SyntaxNode | null, ctx: Ctx): string {
  if (!typeNode) return 'int';
  switch (typeNode.type) {
    case 'struct_specifier':
    case 'union_specifier': {
      const kw = typeNode.type === 'struct_specifier' ? 'struct' : 'union';
      const name = typeNode.childForFieldName('name');
      const body = typeNode.childForFieldName('body');
      if (body) return recordStruct(typeNode, name ? `${kw} ${name.text}` : `${kw} <anon:${ctx.facts.path}:${typeNode.startPosition.row}:${ctx.anon++}>`, ctx).name;
      return name ? `${kw} ${name.text}` : kw;
    }
    case 'enum_specifier': {
      const name = typeNode.childForFieldName('name');
      return name ? `enum ${name.text}` : 'int';
    }
    case 'type_identifier':
    case 'primitive_type':
      return typeNode.text;
    case 'sized_type_specifier':
      return typeNode.text.replace(/\s+/g, ' ');
    default:
      return typeNode.text.length < 60 ? typeNode.text : 'other';
  }
}

/** Walk a declarator to its name, counting pointers and noticing function declarators. */
function declaratorInfo(decl: SyntaxNode | null): { name: string; ptr: number; fn: boolean; node: SyntaxNode | null; params: SyntaxNode | null } {
  let ptr = 0;
  let fn = false;
  let params: SyntaxNode | null = null;
  let d = decl;
  while (d) {
    switch (d.type) {
      case 'pointer_declarator':
      case 'abstract_pointer_declarator':
        ptr++;
        d = d.childForFieldName('declarator');
        continue;
      case 'array_declarator':
      case 'abstract_array_declarator':
        ptr++;
        d = d.childForFieldName('declarator');
        continue;
      case 'function_declarator':
      case 'abstract_function_declarator':
        fn = true;
        if (!params) params = d.childForFieldName('parameters');
        d = d.childForFieldName('declarator');
        continue;
      case 'parenthesized_declarator':
      case 'abstract_parenthesized_declarator':
        d = d.namedChildren.find((c) => c.type.endsWith('declarator') || c.type === 'identifier' || c.type === 'field_identifier' || c.type === 'type_identifier') ?? null;
        continue;
      case 'init_declarator':
        d = d.childForFieldName('declarator');
        continue;
      case 'identifier':
      case 'field_identifier':
      case 'type_identifier':
        return { name: d.text, ptr, fn, node: d, params };
      default:
        return { name: '', ptr, fn, node: null, params };
    }
  }
  return { name: '', ptr, fn, node: null, params };
}

function typeRef(base: string, ptr: number, fn: boolean): TypeRef {
  return fn ? { base, ptr, fn: true } : { base, ptr };
}

function typeOfDescriptor(node: SyntaxNode | null, ctx: Ctx): TypeRef {
  if (!node) return { base: 'other', ptr: 0 };
  const base = baseOf(node.childForFieldName('type'), ctx);
  const d = declaratorInfo(node.childForFieldName('declarator'));
  return typeRef(base, d.ptr, d.fn);
}

// ---------------------------------------------------------------------------------------------
// Structs

function recordStruct(spec: SyntaxNode, name: string, ctx: Ctx): StructDecl {
  const body = spec.childForFieldName('body')!;
  const s: StructDecl = {
    name, fields: [], line: spec.startPosition.row, col: spec.startPosition.column, endLine: spec.endPosition.row,
  };
  collectFields(body, s, ctx);
  ctx.facts.structs.push(s);
  return s;
}

function collectFields(list: SyntaxNode, s: StructDecl, ctx: Ctx): void {
  for (const f of list.namedChildren) {
    if (f.type === 'preproc_if' || f.type === 'preproc_ifdef' || f.type === 'preproc_else' || f.type === 'preproc_elif') {
      collectFields(f, s, ctx);
      continue;
    }
    // Field aliases are often defined inside the struct: `#define sk_prot __sk_common.skc_prot`.
    if (f.type === 'preproc_def') { handleMacroDefinition(f, ctx); continue; }
    if (f.type !== 'field_declaration') continue;
    const typeNode = f.childForFieldName('type');
    const declarators = f.childrenForFieldName('declarator');
    const isRecord = typeNode && (typeNode.type === 'struct_specifier' || typeNode.type === 'union_specifier');
    if (isRecord && !typeNode.childForFieldName('name') && typeNode.childForFieldName('body') && declarators.length === 0) {
      // Anonymous member: its fields are reachable directly from the outer struct.
      collectFields(typeNode.childForFieldName('body')!, s, ctx);
      continue;
    }
    let base: string;
    if (isRecord && !typeNode.childForFieldName('name') && typeNode.childForFieldName('body')) {
      const first = declaratorInfo(declarators[0] ?? null).name;
      const kw = typeNode.type === 'struct_specifier' ? 'struct' : 'union';
      base = recordStruct(typeNode, `${kw} ${s.name.replace(/^(struct|union) /, '')}::${first}`, ctx).name;
    } else {
      base = baseOf(typeNode, ctx);
    }
    for (const d of declarators) {
      const info = declaratorInfo(d);
      if (!info.name) continue;
      const field: FieldDecl = {
        name: info.name, type: typeRef(base, info.ptr, info.fn),
        line: info.node!.startPosition.row, col: info.node!.startPosition.column,
      };
      s.fields.push(field);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Expressions

function unparen(n: SyntaxNode): SyntaxNode {
  while (n.type === 'parenthesized_expression' && n.namedChildCount === 1) n = n.namedChild(0)!;
  return n;
}

function toExpr(node: SyntaxNode | null, ctx: Ctx, depth = 0): Expr {
  if (!node || depth > 12) return { k: 'other' };
  const n = unparen(node);
  switch (n.type) {
    case 'identifier': {
      const local = ctx.scope.get(n.text);
      if (local) return local.param !== undefined ? { k: 'local', n: n.text, t: local.t, param: local.param } : { k: 'local', n: n.text, t: local.t };
      return { k: 'name', n: n.text };
    }
    case 'field_expression': {
      const field = n.childForFieldName('field');
      return { k: 'field', e: toExpr(n.childForFieldName('argument'), ctx, depth + 1), f: field ? field.text : '' };
    }
    case 'call_expression': {
      const fnNode = unparen(n.childForFieldName('function')!);
      const args = n.childForFieldName('arguments')?.namedChildren ?? [];
      if (fnNode.type === 'identifier') {
        const f = fnNode.text;
        if (VALUE_WRAPPERS.has(f)) return { k: 'call', f, a: [toExpr(args[0] ?? null, ctx, depth + 1)] };
        if (CONTAINER_MACROS.has(f) && args[1]) return { k: 'cast', t: { base: normalizeTypeText(args[1].text), ptr: 1 }, e: { k: 'other' } };
        if (ctx.scope.has(f)) return { k: 'callp', e: toExpr(fnNode, ctx, depth + 1) };
        return { k: 'call', f, a: [] };
      }
      return { k: 'callp', e: toExpr(fnNode, ctx, depth + 1) };
    }
    case 'cast_expression':
      return { k: 'cast', t: typeOfDescriptor(n.childForFieldName('type'), ctx), e: toExpr(n.childForFieldName('value'), ctx, depth + 1) };
    case 'subscript_expression':
      return { k: 'index', e: toExpr(n.childForFieldName('argument'), ctx, depth + 1) };
    case 'pointer_expression': {
      const op = n.child(0)?.type;
      const e = toExpr(n.childForFieldName('argument'), ctx, depth + 1);
      return op === '&' ? { k: 'addr', e } : { k: 'deref', e };
    }
    case 'conditional_expression':
      return {
        k: 'cond',
        a: toExpr(n.childForFieldName('consequence') ?? n.childForFieldName('condition'), ctx, depth + 1),
        b: toExpr(n.childForFieldName('alternative'), ctx, depth + 1),
      };
    case 'comma_expression':
      return toExpr(n.childForFieldName('right'), ctx, depth + 1);
    default:
      return { k: 'other' };
  }
}

/** `struct sock` from `struct sock`, `const struct sock`, `struct sock *` (container_of's type argument). */
function normalizeTypeText(text: string): string {
  return text.replace(/\b(const|volatile)\b/g, '').replace(/\*/g, '').replace(/\s+/g, ' ').trim();
}

/** A variable of this type can hold a function pointer (a struct pointer or an int cannot). */
function canHoldFunction(t: TypeRef): boolean {
  return t.fn === true || (t.ptr <= 1 && !t.base.startsWith('struct ') && !t.base.startsWith('union ') && !t.base.startsWith('enum ') && !PRIMITIVE.has(t.base));
}

/** Values worth recording as stored or passed: they may name a function or a function pointer. */
function mayBeFunctionValue(e: Expr): boolean {
  switch (e.k) {
    case 'name': return !UPPER.test(e.n) && e.n !== 'NULL' && e.n !== 'true' && e.n !== 'false';
    // A typedef name may be a function type (`rx_handler_func_t *fn`): keep those, by value or pointer.
    case 'local': return canHoldFunction(e.t);
    case 'addr': return e.e.k === 'name' && mayBeFunctionValue(e.e);
    case 'cast': return mayBeFunctionValue(e.e);
    case 'cond': return mayBeFunctionValue(e.a) || mayBeFunctionValue(e.b);
    case 'field': return true;
    case 'call': return VALUE_WRAPPERS.has(e.f) && e.a.length > 0 && mayBeFunctionValue(e.a[0]);
    default: return false;
  }
}

const PRIMITIVE = new Set([
  'int', 'char', 'long', 'short', 'unsigned', 'signed', 'bool', '_Bool', 'void', 'float', 'double',
  'u8', 'u16', 'u32', 'u64', 's8', 's16', 's32', 's64', '__u8', '__u16', '__u32', '__u64', '__s32',
  '__be16', '__be32', '__be64', '__le16', '__le32', '__le64', 'size_t', 'ssize_t', 'gfp_t', 'loff_t',
  'unsigned int', 'unsigned long', 'unsigned char', 'unsigned short', 'long long', 'unsigned long long',
  'atomic_t', 'refcount_t', 'spinlock_t', 'dma_addr_t', 'netdev_features_t', 'sector_t', 'pgoff_t',
  'uint8_t', 'uint16_t', 'uint32_t', 'uint64_t', 'int8_t', 'int16_t', 'int32_t', 'int64_t', 'uintptr_t',
]);

// ---------------------------------------------------------------------------------------------
// Initializers: `.sendmsg = inet_sendmsg`, nested lists, arrays of structs, positional values

function walkInitializer(list: SyntaxNode, t: TypeRef, path: string[], ctx: Ctx, variable: string): void {
  let position = 0;
  for (const item of list.namedChildren) {
    if (item.type === 'comment' || item.type === 'ERROR' || item.type.startsWith('preproc_')) continue;
    let valueNode: SyntaxNode | null = item;
    let itemPath: string[];
    const left = item.type === 'assignment_expression' ? item.childForFieldName('left') : null;
    if (left?.type === 'field_expression') {
      // `#ifdef CONFIG_X` / `.f = fn,` inside an initializer reads as `CONFIG_X.f = fn`: the grammar
      // has no preprocessor lines there. The designator is the field after the macro name.
      itemPath = [...path, left.childForFieldName('field')?.text ?? ''];
      valueNode = item.childForFieldName('right');
    } else if (item.type === 'initializer_pair') {
      itemPath = [...path];
      for (const d of item.childrenForFieldName('designator')) {
        if (d.type === 'field_designator') itemPath.push(d.text.replace(/^\./, '').trim());
        else itemPath.push('#*');
      }
      valueNode = item.childForFieldName('value');
    } else {
      itemPath = [...path, `#${position}`];
    }
    position++;
    if (!valueNode) continue;
    if (valueNode.type === 'initializer_list') {
      walkInitializer(valueNode, t, itemPath, ctx, variable);
      continue;
    }
    const rhs = toExpr(valueNode, ctx);
    if (!mayBeFunctionValue(rhs)) continue;
    ctx.facts.stores.push({
      from: ctx.fn, lhs: { k: 'init', t, path: itemPath, v: variable }, rhs,
      line: valueNode.startPosition.row, col: valueNode.startPosition.column, kind: 'init',
    });
  }
}

// ---------------------------------------------------------------------------------------------
// Declarations (file scope and local)

function handleDeclaration(node: SyntaxNode, ctx: Ctx, fileScope: boolean): void {
  const typeNode = node.childForFieldName('type');
  const base = baseOf(typeNode, ctx);
  const isStatic = node.children.some((c) => c.type === 'storage_class_specifier' && c.text === 'static');
  const isTypedef = node.type === 'type_definition';
  for (const d of node.childrenForFieldName('declarator')) {
    const info = declaratorInfo(d);
    if (!info.name) continue;
    const t = typeRef(base, info.ptr, info.fn);
    if (isTypedef) {
      ctx.facts.typedefs.push({ name: info.name, type: t, line: info.node!.startPosition.row });
      continue;
    }
    const isFunctionDecl = info.fn && d.type !== 'init_declarator' && !isPointerToFunction(d);
    if (fileScope && isFunctionDecl) {
      ctx.facts.decls.push({ name: info.name, line: info.node!.startPosition.row, col: info.node!.startPosition.column, ret: { base, ptr: info.ptr }, isStatic });
      continue;
    }
    if (fileScope) {
      ctx.facts.globals.push({ name: info.name, type: t, line: info.node!.startPosition.row, col: info.node!.startPosition.column, isStatic });
    } else {
      ctx.scope.set(info.name, { t });
    }
    if (d.type === 'init_declarator') {
      const value = d.childForFieldName('value');
      if (!value) continue;
      if (value.type === 'initializer_list') {
        walkInitializer(value, t, [], ctx, info.name);
      } else {
        const rhs = toExpr(value, ctx);
        if (mayBeFunctionValue(rhs) && (fileScope ? t.fn === true : canHoldFunction(t))) {
          const lhs: Expr = fileScope ? { k: 'name', n: info.name } : { k: 'local', n: info.name, t };
          ctx.facts.stores.push({ from: ctx.fn, lhs, rhs, line: value.startPosition.row, col: value.startPosition.column, kind: 'assign' });
        }
      }
    }
  }
}

function isPointerToFunction(d: SyntaxNode): boolean {
  // `int (*fp)(int)` is a variable; `int f(int)` and `struct x *f(int)` are prototypes.
  let n: SyntaxNode | null = d;
  while (n) {
    if (n.type === 'function_declarator') {
      const inner = n.childForFieldName('declarator');
      return inner?.type === 'parenthesized_declarator';
    }
    n = n.childForFieldName('declarator');
  }
  return false;
}

// ---------------------------------------------------------------------------------------------
// Function bodies

// Walking every node of a body through the binding costs more than parsing it; instead the
// binding collects the few node kinds we need in one native call, in document order.
const BODY_NODES = ['declaration', 'call_expression', 'assignment_expression', 'compound_literal_expression'];

function scanBody(body: SyntaxNode, ctx: Ctx): void {
  const nodes = body.descendantsOfType(BODY_NODES);
  // Locals first, so that a use sees its declaration wherever it sits (shadowing is rare in the kernel).
  for (const n of nodes) if (n.type === 'declaration') handleDeclaration(n, ctx, false);
  for (const n of nodes) {
    switch (n.type) {
      case 'call_expression': handleCall(n, ctx); break;
      case 'assignment_expression': handleAssignment(n, ctx); break;
      case 'compound_literal_expression': {
        const value = n.childForFieldName('value');
        if (value?.type === 'initializer_list') walkInitializer(value, typeOfDescriptor(n.childForFieldName('type'), ctx), [], ctx, '');
        break;
      }
      default:
    }
  }
}

function handleAssignment(node: SyntaxNode, ctx: Ctx): void {
  const left = node.childForFieldName('left');
  const right = node.childForFieldName('right');
  const op = node.childForFieldName('operator')?.text ?? node.child(1)?.text;
  if (!left || !right || op !== '=') return;
  const rhs = toExpr(right, ctx);
  if (!mayBeFunctionValue(rhs)) return;
  const lhs = toExpr(left, ctx);
  // `sk = sock->sk` is the bulk of assignments and never moves a function pointer.
  if (lhs.k === 'local' && !canHoldFunction(lhs.t)) return;
  if (lhs.k !== 'other') ctx.facts.stores.push({ from: ctx.fn, lhs, rhs, line: right.startPosition.row, col: right.startPosition.column, kind: 'assign' });
}

function handleCall(node: SyntaxNode, ctx: Ctx): void {
  const fnNode = unparen(node.childForFieldName('function')!);
  const argList = node.childForFieldName('arguments');
  const args = argList ? argList.namedChildren.filter((c) => c.type !== 'comment') : [];
  const pos = node.startPosition;
  if (fnNode.type === 'identifier' && !ctx.scope.has(fnNode.text)) {
    const name = fnNode.text;
    const hintCount = indirectCallHintCount(name);
    if (hintCount !== undefined && args.length > hintCount) {
      // INDIRECT_CALL_2(f, f2, f1, args…): f is the real call, f2 and f1 the likely targets, tested
      // in that order (f2 first): kept in argument order.
      const hints = args.slice(1, hintCount + 1).map((a) => a.text);
      recordIndirect(args[0], pos, ctx, hints, name);
      return;
    }
    if (STORE_MACROS.has(name) && args.length >= 2) {
      const lhs = toExpr(args[0].type === 'pointer_expression' && args[0].child(0)?.type === '&' ? args[0].childForFieldName('argument') : args[0], ctx);
      const rhs = toExpr(args[1], ctx);
      if (lhs.k !== 'other' && mayBeFunctionValue(rhs)) {
        ctx.facts.stores.push({ from: ctx.fn, lhs, rhs, line: args[1].startPosition.row, col: args[1].startPosition.column, kind: 'assign' });
      }
    } else {
      ctx.facts.calls.push({ from: ctx.fn, callee: name, line: fnNode.startPosition.row, col: fnNode.startPosition.column });
      if (!VALUE_WRAPPERS.has(name)) {
        args.forEach((a, index) => {
          const value = toExpr(a, ctx);
          if (value.k !== 'field' && mayBeFunctionValue(value)) {
            ctx.facts.args.push({ from: ctx.fn, callee: name, index, value, line: a.startPosition.row, col: a.startPosition.column });
          }
        });
      }
    }
    return;
  }
  if (NOT_A_CALLEE.has(fnNode.type)) return;
  // `guard(mutex)(&lock)` and `CLASS(fd, f)(fd)` declare scoped variables; they call nothing.
  if (fnNode.type === 'call_expression') {
    const inner = fnNode.childForFieldName('function');
    if (inner?.type === 'identifier' && SCOPE_MACROS.has(inner.text)) return;
  }
  recordIndirect(fnNode, pos, ctx);
}

// Inline-asm operands (`"=a" (out)`) read as calls of a string.
const NOT_A_CALLEE = new Set(['string_literal', 'concatenated_string', 'number_literal', 'char_literal']);
const SCOPE_MACROS = new Set(['guard', 'scoped_guard', 'CLASS', 'scoped_cond_guard', 'DEFINE_FREE']);

function recordIndirect(calleeNode: SyntaxNode, pos: { row: number; column: number }, ctx: Ctx, hints?: string[], via?: string): void {
  const c = unparen(calleeNode);
  // The name the user points at: the field of `ops->sendmsg`, the identifier of `okfn`.
  let nameNode: SyntaxNode | null = c;
  if (c.type === 'field_expression') nameNode = c.childForFieldName('field');
  else if (c.type === 'pointer_expression') nameNode = unparen(c.childForFieldName('argument') ?? c);
  if (nameNode?.type === 'field_expression') nameNode = nameNode.childForFieldName('field');
  const np = (nameNode ?? c).startPosition;
  const callee = toExpr(c, ctx);
  // `(*fn)(…)` calls what `fn` holds: the slot is fn's own.
  const normalized = callee.k === 'deref' ? callee.e : callee;
  if (normalized.k === 'name' && !hints) {
    // `(*do_it)(x)` where do_it names a function: a direct call written the long way.
    ctx.facts.calls.push({ from: ctx.fn, callee: normalized.n, line: np.row, col: np.column });
    return;
  }
  ctx.facts.icalls.push({
    from: ctx.fn, callee: normalized, line: pos.row, col: pos.column,
    nameLine: np.row, nameCol: np.column, endCol: np.column + (nameNode ?? c).text.length,
    ...(hints ? { hints } : {}), ...(via ? { via } : {}),
  });
}

// ---------------------------------------------------------------------------------------------
// Top level

function functionName(declarator: SyntaxNode | null): { info: ReturnType<typeof declaratorInfo>; fnDecl: SyntaxNode | null } {
  let d = declarator;
  let fnDecl: SyntaxNode | null = null;
  while (d && !fnDecl) {
    if (d.type === 'function_declarator') fnDecl = d;
    else d = d.childForFieldName('declarator');
  }
  return { info: declaratorInfo(declarator), fnDecl };
}

function paramsOf(list: SyntaxNode | null, ctx: Ctx): { name: string; type: TypeRef }[] {
  if (!list) return [];
  const out: { name: string; type: TypeRef }[] = [];
  for (const p of list.namedChildren) {
    if (p.type === 'variadic_parameter') continue;
    if (p.type !== 'parameter_declaration') continue;
    const base = baseOf(p.childForFieldName('type'), ctx);
    const info = declaratorInfo(p.childForFieldName('declarator'));
    if (base === 'void' && !info.name && info.ptr === 0) continue;
    out.push({ name: info.name, type: typeRef(base, info.ptr, info.fn) });
  }
  return out;
}

function enterFunction(def: FunctionDef, body: SyntaxNode, ctx: Ctx): void {
  ctx.facts.functions.push(def);
  ctx.fn = def.name;
  ctx.scope = new Map();
  def.params.forEach((p, i) => { if (p.name) ctx.scope.set(p.name, { t: p.type, param: i }); });
  scanBody(body, ctx);
  ctx.fn = '';
  ctx.scope = new Map();
}

function handleFunctionDefinition(node: SyntaxNode, ctx: Ctx): void {
  const body = node.childForFieldName('body');
  const { info, fnDecl } = functionName(node.childForFieldName('declarator'));
  if (!body || !info.name || !info.node) return;
  const ret: TypeRef = { base: baseOf(node.childForFieldName('type'), ctx), ptr: info.ptr };
  const modifiers = node.children.filter((c) => c.type === 'storage_class_specifier' || c.type === 'type_qualifier').map((c) => c.text);
  const headerEnd = body.startIndex - node.startIndex;
  enterFunction({
    name: info.name,
    line: node.startPosition.row, col: node.startPosition.column, endLine: node.endPosition.row,
    nameLine: info.node.startPosition.row, nameCol: info.node.startPosition.column,
    ret, params: paramsOf(fnDecl?.childForFieldName('parameters') ?? null, ctx),
    isStatic: modifiers.includes('static'), isInline: modifiers.includes('inline') || modifiers.includes('__inline__') || modifiers.includes('__inline'),
    signature: node.text.slice(0, headerEnd).replace(/\s+/g, ' ').trim(),
  }, body, ctx);
}

/** `SYSCALL_DEFINE3(send, int, fd, …)` followed by `{ … }`: tree-sitter sees a call and a block. */
function handleMacroFunction(stmt: SyntaxNode, body: SyntaxNode, ctx: Ctx): boolean {
  const call = stmt.namedChild(0);
  if (!call || call.type !== 'call_expression') return false;
  const macroNode = call.childForFieldName('function');
  const macro = macroNode?.type === 'identifier' ? functionDefiningMacro(macroNode.text) : undefined;
  if (!macro || !macroNode) return false;
  const argNodes = call.childForFieldName('arguments')?.namedChildren.filter((c) => c.type !== 'comment') ?? [];
  if (argNodes.length === 0 || argNodes[0].type !== 'identifier') return false;
  const params: { name: string; type: TypeRef }[] = [];
  if (macro.pairs) {
    // The argument list alternates type and name; the grammar splits types like `void *` oddly,
    // so read the pairs from the text.
    const text = call.childForFieldName('arguments')!.text.slice(1, -1).replace(/\/\*[\s\S]*?\*\//g, '');
    const parts = text.split(',').map((x) => x.trim()).slice(1);
    for (let i = 0; i + 1 < parts.length; i += 2) {
      params.push({ name: parts[i + 1], type: { base: normalizeTypeText(parts[i]), ptr: (parts[i].match(/\*/g) ?? []).length } });
    }
  }
  const nameNode = argNodes[0];
  enterFunction({
    name: macro.prefix + nameNode.text,
    line: stmt.startPosition.row, col: stmt.startPosition.column, endLine: body.endPosition.row,
    nameLine: nameNode.startPosition.row, nameCol: nameNode.startPosition.column,
    ret: { base: 'long', ptr: 0 }, params, isStatic: false, isInline: false,
    signature: call.text.replace(/\s+/g, ' '), viaMacro: macroNode.text,
  }, body, ctx);
  return true;
}

function handleMacroDefinition(node: SyntaxNode, ctx: Ctx): void {
  const name = node.childForFieldName('name')?.text;
  if (!name) return;
  const fnLike = node.type === 'preproc_function_def';
  const raw = node.childForFieldName('value')?.text.trim();
  // Only field paths are worth keeping: `#define sk_prot __sk_common.skc_prot`.
  const value = !fnLike && raw && /^[A-Za-z_]\w*(?:\s*\.\s*[A-Za-z_]\w*)+$/.test(raw) ? raw.replace(/\s+/g, '') : undefined;
  const macro: MacroDef = value ? { name, line: node.startPosition.row, value, fnLike } : { name, line: node.startPosition.row, fnLike };
  // Accessors written as macros type their result: `container_of(p, struct x, m)` or `((struct x *)(p))`.
  const typed = fnLike && raw ? (CONTAINER_IN_MACRO.exec(raw) ?? CAST_MACRO.exec(raw)) : null;
  if (typed) macro.returns = { base: typed[1].replace(/\s+/g, ' '), ptr: 1 };
  ctx.facts.macros.push(macro);
}

function walkTopLevel(parent: SyntaxNode, ctx: Ctx): void {
  const children = parent.namedChildren;
  for (let i = 0; i < children.length; i++) {
    const node = children[i];
    switch (node.type) {
      case 'function_definition':
        handleFunctionDefinition(node, ctx);
        break;
      case 'declaration':
      case 'type_definition':
        handleDeclaration(node, ctx, true);
        break;
      case 'struct_specifier':
      case 'union_specifier':
      case 'enum_specifier':
        baseOf(node, ctx);
        break;
      case 'preproc_def':
      case 'preproc_function_def':
        handleMacroDefinition(node, ctx);
        break;
      case 'expression_statement': {
        const next = children[i + 1];
        if (next?.type === 'compound_statement' && handleMacroFunction(node, next, ctx)) i++;
        break;
      }
      case 'preproc_if':
      case 'preproc_ifdef':
      case 'preproc_else':
      case 'preproc_elif':
      case 'preproc_elifdef':
      case 'linkage_specification':
      case 'declaration_list':
      // tree-sitter's error recovery can wrap the rest of a file in one ERROR node (a macro it
      // cannot read); the definitions inside are still whole, so walk into it.
      case 'ERROR':
        walkTopLevel(node, ctx);
        break;
      default:
        break;
    }
  }
}

/** Extract the facts of one parsed file. `path` is relative to the tree root. */
export function extractFacts(root: SyntaxNode, path: string): FileFacts {
  const ctx: Ctx = { facts: emptyFacts(path), fn: '', scope: new Map(), anon: 0 };
  walkTopLevel(root, ctx);
  if (root.hasError) {
    let errors = 0;
    const first = findFirstError(root);
    // Count ERROR nodes cheaply for the note; tree-sitter keeps going past them.
    const stack: SyntaxNode[] = [root];
    while (stack.length && errors < 1000) {
      const n = stack.pop()!;
      if (n.type === 'ERROR') { errors++; continue; }
      if (n.hasError) for (const c of n.children) stack.push(c);
    }
    ctx.facts.notes.push(`${errors} parse error(s), first at line ${first ? first.startPosition.row + 1 : '?'}; the rest of the file was indexed`);
  }
  return ctx.facts;
}

function findFirstError(n: SyntaxNode): SyntaxNode | null {
  if (n.type === 'ERROR' || n.isMissing) return n;
  for (const c of n.children) if (c.hasError || c.isMissing) { const e = findFirstError(c); if (e) return e; }
  return null;
}
