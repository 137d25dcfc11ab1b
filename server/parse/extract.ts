// From one tree-sitter tree to FileFacts: definitions, types, call sites, stores. Runs in a worker.
// Local types (parameters, local declarations) are resolved here, where the scope is known;
// everything that needs the whole tree (struct fields, typedefs, globals) is left symbolic for
// resolve/.
import type { LNode as SyntaxNode } from './lightTree';
import type {
  ArgPass,
  Expr,
  FieldDecl,
  FileFacts,
  FunctionDef,
  InitTarget,
  MacroDef,
  MacroTemplate,
  MacroUse,
  StructDecl,
  TypeRef,
} from './facts';
import { emptyFacts } from './facts';
import {
  CONTAINER_MACROS,
  STATIC_CALLS,
  STATIC_CALL_QUERIES,
  STATIC_CALL_SETTERS,
  STORE_MACROS,
  VALUE_WRAPPERS,
  functionDefiningMacro,
  indirectCallHintCount,
  variableDefiningMacro,
} from './kernelMacros';
import { argExpr, bodyForm, scanFileScopeUses, splitArgs, templateText, wrapBody } from './macroText';
import { canHoldFunction, isTypeName, mayBeFunctionValue } from './values';

type Scope = Map<string, { t: TypeRef; param?: number }>;

/** Parses a piece of C (a macro body made into C): given by parseFile, which owns the parser. */
export type ParseText = (text: string) => SyntaxNode | null;

interface Ctx {
  facts: FileFacts;
  /** Current function name ('' at file scope). */
  fn: string;
  scope: Scope;
  anon: number;
  /** Set while reading a macro body (a template): calls become uses, nothing is an indirect call. */
  template?: boolean;
  parse?: ParseText;
  /** Field values passed to direct calls (`crypt(tfm, alg->encrypt)`), kept at the end if the callee, defined here, takes a function there. */
  fieldArgs: ArgPass[];
}

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
      if (body)
        return recordStruct(
          typeNode,
          name ? `${kw} ${name.text}` : `${kw} <anon:${ctx.facts.path}:${typeNode.startPosition.row}:${ctx.anon++}>`,
          ctx,
        ).name;
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
function declaratorInfo(decl: SyntaxNode | null): {
  name: string;
  ptr: number;
  fn: boolean;
  node: SyntaxNode | null;
  params: SyntaxNode | null;
} {
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
        d =
          d.namedChildren.find(
            (c) =>
              c.type.endsWith('declarator') || c.type === 'identifier' || c.type === 'field_identifier' || c.type === 'type_identifier',
          ) ?? null;
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
    name,
    fields: [],
    line: spec.startPosition.row,
    col: spec.startPosition.column,
    endLine: spec.endPosition.row,
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
    if (f.type === 'preproc_def') {
      handleMacroDefinition(f, ctx);
      continue;
    }
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
        name: info.name,
        type: typeRef(base, info.ptr, info.fn),
        line: info.node!.startPosition.row,
        col: info.node!.startPosition.column,
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

/**
 * The local (or parameter) `name` when it can be called: `int max` or `struct x *rx_stats` beside a
 * function-like macro of the same name (`max(a, b)`, `rx_stats(rxo)`) is not what a call means.
 */
function callableLocal(name: string, ctx: Ctx): boolean {
  const local = ctx.scope.get(name);
  return local !== undefined && canHoldFunction(local.t);
}

function toExpr(node: SyntaxNode | null, ctx: Ctx, depth = 0): Expr {
  if (!node || depth > 12) return { k: 'other' };
  const n = unparen(node);
  switch (n.type) {
    case 'identifier': {
      const local = ctx.scope.get(n.text);
      if (local)
        return local.param !== undefined
          ? { k: 'local', n: n.text, t: local.t, param: local.param }
          : { k: 'local', n: n.text, t: local.t };
      return { k: 'name', n: n.text };
    }
    case 'field_expression': {
      const field = n.childForFieldName('field');
      return { k: 'field', e: toExpr(receiverOf(n), ctx, depth + 1), f: field ? field.text : '' };
    }
    case 'call_expression': {
      const fnNode = unparen(n.childForFieldName('function')!);
      const args = n.childForFieldName('arguments')?.namedChildren ?? [];
      if (fnNode.type === 'identifier') {
        const f = fnNode.text;
        if (VALUE_WRAPPERS.has(f)) return { k: 'call', f, a: [toExpr(args[0] ?? null, ctx, depth + 1)] };
        if (CONTAINER_MACROS.has(f) && args[1])
          return { k: 'cast', t: { base: normalizeTypeText(args[1].text), ptr: 1 }, e: { k: 'other' } };
        // `static_call(name)`: the key's name is what resolution needs.
        if ((STATIC_CALLS.has(f) || STATIC_CALL_QUERIES.has(f)) && args[0]?.type === 'identifier')
          return { k: 'call', f, a: [{ k: 'name', n: args[0].text }] };
        if (callableLocal(f, ctx)) return { k: 'callp', e: toExpr(fnNode, ctx, depth + 1) };
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

/**
 * The receiver of a field expression. A loop macro before a statement (`for_each_process_thread(g, t)
 * rtp->pertask_func(t)`) reads as `for_each_…(g, t) <ERROR rtp> -> pertask_func`: the receiver is
 * the expression inside the error, not the macro call.
 */
function receiverOf(n: SyntaxNode): SyntaxNode | null {
  const arg = n.childForFieldName('argument');
  const err = n.children.find((c) => c.type === 'ERROR');
  const inside = err?.namedChildren ?? [];
  return inside.length ? inside[inside.length - 1] : arg;
}

/** `struct sock` from `struct sock`, `const struct sock`, `struct sock *` (container_of's type argument). */
function normalizeTypeText(text: string): string {
  return text
    .replace(/\b(const|volatile)\b/g, '')
    .replace(/\*/g, '')
    .replace(/\s+/g, ' ')
    .trim();
}

// ---------------------------------------------------------------------------------------------
// Initializers: `.sendmsg = inet_sendmsg`, nested lists, arrays of structs, positional values

function walkInitializer(list: SyntaxNode, t: TypeRef, path: string[], ctx: Ctx, variable: string): void {
  let position = 0;
  for (const item of list.namedChildren) {
    if (item.type === 'comment' || item.type === 'ERROR' || item.type.startsWith('preproc_')) continue;
    let valueNode: SyntaxNode | null = item;
    let itemPath: string[];
    const left = item.type === 'assignment_expression' ? item.childForFieldName('left') : null;
    // `{ X550_COMMON_MAC .get_media_type = f }`: a macro of designators, expanded into this list.
    const bare = item.type === 'identifier' && list.children[list.children.indexOf(item) + 1]?.type !== ',';
    const shared = bare ? item : left?.type === 'field_expression' ? left.childForFieldName('argument') : null;
    if (shared?.type === 'identifier' && /^[A-Z][A-Z0-9_]*$/.test(shared.text)) {
      ctx.facts.uses!.push({
        from: ctx.fn,
        name: shared.text,
        args: [],
        line: shared.startPosition.row,
        col: shared.startPosition.column,
        init: { k: 'init', t, path, v: variable },
      });
      if (item === shared) {
        position++;
        continue;
      }
    }
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
    // In a body every compound literal is walked by scanBody already.
    if (!ctx.fn && walkCompoundLiteral(valueNode, ctx)) continue;
    if (initUse(valueNode, { k: 'init', t, path: itemPath, v: variable }, ctx)) continue;
    const rhs = toExpr(valueNode, ctx);
    if (!mayBeFunctionValue(rhs)) continue;
    ctx.facts.stores.push({
      from: ctx.fn,
      lhs: { k: 'init', t, path: itemPath, v: variable },
      rhs,
      line: valueNode.startPosition.row,
      col: valueNode.startPosition.column,
      kind: 'init',
    });
  }
}

/**
 * A macro as an initializer value (`= __ATTR_RO(x)`, `{ HCI_CS(op, fn), … }`): recorded as a use that
 * initializes `target`. True if `node` was a call of a name with arguments resolution can read.
 */
function initUse(node: SyntaxNode, target: InitTarget, ctx: Ctx): boolean {
  const n = unparen(node);
  if (n.type !== 'call_expression') return false;
  const fn = n.childForFieldName('function');
  if (
    fn?.type !== 'identifier' ||
    VALUE_WRAPPERS.has(fn.text) ||
    CONTAINER_MACROS.has(fn.text) ||
    STATIC_CALL_QUERIES.has(fn.text) ||
    callableLocal(fn.text, ctx)
  )
    return false;
  const args = (n.childForFieldName('arguments')?.namedChildren ?? []).filter((a) => a.type !== 'comment').map((a) => toExpr(a, ctx));
  if (!args.some((a) => a.k !== 'other')) return false;
  ctx.facts.uses!.push({ from: ctx.fn, name: fn.text, args, line: n.startPosition.row, col: n.startPosition.column, init: target });
  return true;
}

/**
 * `&(struct ipv6_stub){ .ip6_del_rt = … }` (or the literal itself) as a value: its initializer
 * stores into the literal's type. True if `node` was one.
 */
function walkCompoundLiteral(node: SyntaxNode, ctx: Ctx, variable = ''): boolean {
  let n = unparen(node);
  if (n.type === 'pointer_expression' && n.child(0)?.type === '&') n = unparen(n.childForFieldName('argument') ?? n);
  if (n.type !== 'compound_literal_expression') return false;
  const value = n.childForFieldName('value');
  if (value?.type === 'initializer_list') walkInitializer(value, typeOfDescriptor(n.childForFieldName('type'), ctx), [], ctx, variable);
  return true;
}

// ---------------------------------------------------------------------------------------------
// Declarations (file scope and local)

// `DEFINE_SCHED_CLASS(fair) = {`, `static DEFINE_PER_CPU(struct x, y) = {`: a macro declaring the variable initialized.
const MACRO_DECLARED = /^\s*(?:(?:static|const|__\w+)\s+)*([A-Z][A-Z0-9_]*)\s*\(([^()]*(?:\([^()]*\)[^()]*)*)\)\s*=\s*\{/;

/**
 * A file-scope declaration whose variable a macro declares, with an initializer: the variable and
 * its type come from the macro (when it is a known definer) or from its expansion (a use whose
 * `value` holds the initializer's stores). True if `node` was one.
 */
function macroDeclared(node: SyntaxNode, ctx: Ctx): boolean {
  const m = MACRO_DECLARED.exec(node.text);
  if (!m) return false;
  const list = node.descendantsOfType(['initializer_list'])[0];
  if (!list) return false;
  const args = splitArgs(m[2]);
  const at = node.startPosition;
  const nameAt = { line: at.row, col: at.column + node.text.indexOf(m[1]) };
  const definer = variableDefiningMacro(m[1]);
  if (definer) {
    const name = args[definer.name];
    const type = args[definer.type];
    if (!name || !/^[A-Za-z_]\w*$/.test(name) || !type) return false;
    const t: TypeRef = { base: normalizeTypeText(type), ptr: (type.match(/\*/g) ?? []).length };
    ctx.facts.globals.push({ name, type: t, line: nameAt.line, col: nameAt.col, isStatic: /^\s*static\b/.test(node.text) });
    walkInitializer(list, t, [], ctx, name);
    return true;
  }
  const before = ctx.facts.stores.length;
  walkInitializer(list, { base: '', ptr: 0 }, [], ctx, '');
  const value = ctx.facts.stores.splice(before);
  ctx.facts.uses!.push({ from: '', name: m[1], args: args.map(argExpr), line: nameAt.line, col: nameAt.col, value });
  return true;
}

function handleDeclaration(node: SyntaxNode, ctx: Ctx, fileScope: boolean): void {
  if (fileScope && !ctx.template && macroDeclared(node, ctx)) return;
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
      ctx.facts.decls.push({
        name: info.name,
        line: info.node!.startPosition.row,
        col: info.node!.startPosition.column,
        ret: { base, ptr: info.ptr },
        isStatic,
      });
      continue;
    }
    if (!fileScope && isFunctionDecl) {
      // In a body, `int f(int);` is rare; `for_each_online_cpu(j) seq_printf(p, …);` and an `else`
      // cut from its `if` by `#if` (`else br_multicast_enable(q);`) read the same way: calls, not locals.
      if (!node.children.some((c) => c.type === 'storage_class_specifier' && c.text === 'extern')) {
        ctx.facts.calls.push({ from: ctx.fn, callee: info.name, line: info.node!.startPosition.row, col: info.node!.startPosition.column });
      }
      continue;
    }
    if (fileScope) {
      ctx.facts.globals.push({
        name: info.name,
        type: t,
        line: info.node!.startPosition.row,
        col: info.node!.startPosition.column,
        isStatic,
      });
    } else {
      ctx.scope.set(info.name, { t });
    }
    if (d.type === 'init_declarator') {
      const value = d.childForFieldName('value');
      if (!value) continue;
      if (value.type === 'initializer_list') {
        walkInitializer(value, t, [], ctx, info.name);
      } else if (fileScope && walkCompoundLiteral(value, ctx, info.name)) {
        // `const struct ipv6_stub *ipv6_stub = &(struct ipv6_stub){ … }`: the literal's fields are stored.
      } else if (t.ptr === 0 && !t.fn && !PRIMITIVE_BASE.test(t.base) && initUse(value, { k: 'init', t, path: [], v: info.name }, ctx)) {
        // `struct kobj_attribute foo_attr = __ATTR(foo, 0644, foo_show, foo_store)`.
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
const BODY_NODES = [
  'declaration',
  'call_expression',
  'assignment_expression',
  'compound_literal_expression',
  'ERROR',
  'preproc_def',
  'preproc_function_def',
  'preproc_include',
];

function scanBody(body: SyntaxNode, ctx: Ctx): void {
  const nodes = body.descendantsOfType(BODY_NODES);
  // Locals first, so that a use sees its declaration wherever it sits (shadowing is rare in the kernel).
  for (const n of nodes) if (n.type === 'declaration') handleDeclaration(n, ctx, false);
  // An `asm` statement whose template the grammar cannot read (`asm(LOCK_PREFIX "xorb %2,%1"
  // CC_SET(s) : CC_OUT(s) (neg) …)`) ends in an error holding its operands, which read as calls.
  let asmEnd = -1;
  for (const n of nodes) {
    if (n.type === 'ERROR') {
      if (n.startIndex >= asmEnd && n.descendantsOfType(['gnu_asm_expression']).length) asmEnd = n.endIndex;
      continue;
    }
    switch (n.type) {
      case 'call_expression':
        handleCall(n, ctx, n.startIndex < asmEnd);
        break;
      // `#define __KVM_X86_OP(func) static_call_update(…)` then `#include <asm/kvm-x86-ops.h>` in a body.
      case 'preproc_def':
      case 'preproc_function_def':
        handleMacroDefinition(n, ctx);
        break;
      case 'preproc_include':
        recordInclude(n, ctx);
        break;
      case 'assignment_expression':
        handleAssignment(n, ctx);
        break;
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
  if (lhs.k !== 'other')
    ctx.facts.stores.push({ from: ctx.fn, lhs, rhs, line: right.startPosition.row, col: right.startPosition.column, kind: 'assign' });
}

function handleCall(node: SyntaxNode, ctx: Ctx, inAsm = false): void {
  const fnNode = unparen(node.childForFieldName('function')!);
  const argList = node.childForFieldName('arguments');
  const args = argList ? argList.namedChildren.filter((c) => c.type !== 'comment') : [];
  const pos = node.startPosition;
  if (fnNode.type === 'identifier' && !callableLocal(fnNode.text, ctx)) {
    const name = fnNode.text;
    const setter = STATIC_CALL_SETTERS.get(name);
    if (setter && args[0]?.type === 'identifier') {
      const value =
        typeof setter.value === 'string'
          ? { k: 'name' as const, n: setter.value }
          : args[setter.value]
            ? toExpr(args[setter.value], ctx)
            : undefined;
      if (value && mayBeFunctionValue(value)) {
        const at = (typeof setter.value === 'number' ? args[setter.value] : args[0]).startPosition;
        ctx.facts.stores.push({
          from: ctx.fn,
          lhs: staticKeyExpr(args[0].text),
          rhs: value,
          line: at.row,
          col: at.column,
          kind: setter.kind,
        });
      }
      return;
    }
    if (ctx.template) {
      // In a macro body every call may be another macro: kept with its arguments, decided when expanded.
      const use: MacroUse = { from: ctx.fn, name, args: args.map((a) => toExpr(a, ctx)), line: pos.row, col: pos.column };
      if (STORE_MACROS.has(name)) handleStoreMacro(args, ctx);
      else if (use.args.some(mentionsParam)) ctx.facts.uses!.push(use);
      return;
    }
    const hintCount = indirectCallHintCount(name);
    if (hintCount !== undefined && args.length > hintCount) {
      // INDIRECT_CALL_2(f, f2, f1, args…): f is the real call, f2 and f1 the likely targets, tested
      // in that order (f2 first): kept in argument order.
      const hints = args.slice(1, hintCount + 1).map((a) => a.text);
      if (recordIndirect(args[0], pos, ctx, hints, name)) recordSiteArgs(args.slice(hintCount + 1), ctx);
      return;
    }
    if (STORE_MACROS.has(name)) {
      handleStoreMacro(args, ctx);
    } else {
      ctx.facts.calls.push({ from: ctx.fn, callee: name, line: fnNode.startPosition.row, col: fnNode.startPosition.column });
      if (!VALUE_WRAPPERS.has(name)) {
        const values = args.map((a) => toExpr(a, ctx));
        let passes = false;
        values.forEach((value, index) => {
          if (!mayBeFunctionValue(value)) return;
          const pass = {
            from: ctx.fn,
            callee: name,
            index,
            value,
            line: args[index].startPosition.row,
            col: args[index].startPosition.column,
          };
          // Most fields passed are data (`skb->len`): kept only where the callee is known to take a function.
          if (value.k === 'field') ctx.fieldArgs.push(pass);
          else {
            passes = true;
            ctx.facts.args.push(pass);
          }
        });
        // It may be a macro that stores what it is passed (`INIT_WORK(&w, fn)`, `timer_setup(t, fn, 0)`).
        if (passes && !CONTAINER_MACROS.has(name) && !LOOP_MACRO.test(name))
          ctx.facts.uses!.push({ from: ctx.fn, name, args: values, line: pos.row, col: pos.column });
      }
    }
    return;
  }
  if (ctx.template || inAsm || NOT_A_CALLEE.has(fnNode.type)) return;
  // `guard(mutex)(&lock)` and `CLASS(fd, f)(fd)` declare scoped variables; they call nothing.
  // `list_for_each_entry(p, h, m) (p->fn)(x)`: a loop macro before its statement.
  // `(u64)(u32)(x)` and `(typeof(p))(q)`: casts the grammar reads as calls.
  if (fnNode.type === 'call_expression') {
    const inner = fnNode.childForFieldName('function');
    const name = inner ? unparen(inner) : null;
    if (name?.type === 'identifier' && (SCOPE_MACROS.has(name.text) || LOOP_MACRO.test(name.text) || isTypeName(name.text))) return;
  }
  if (recordIndirect(fnNode, pos, ctx)) recordSiteArgs(args, ctx);
}

/** The arguments of the indirect call just recorded that may carry a function (`ops->port_fdb_dump(ds, port, cb, data)`). */
function recordSiteArgs(args: SyntaxNode[], ctx: Ctx): void {
  const site = ctx.facts.icalls.length - 1;
  args.forEach((a, index) => {
    const value = toExpr(a, ctx);
    if (mayBeFunctionValue(value))
      ctx.facts.args.push({ from: ctx.fn, callee: '', site, index, value, line: a.startPosition.row, col: a.startPosition.column });
  });
}

/** `WRITE_ONCE(sk->sk_data_ready, fn)`: a store. */
function handleStoreMacro(args: SyntaxNode[], ctx: Ctx): void {
  if (args.length < 2) return;
  const lhs = toExpr(
    args[0].type === 'pointer_expression' && args[0].child(0)?.type === '&' ? args[0].childForFieldName('argument') : args[0],
    ctx,
  );
  const rhs = toExpr(args[1], ctx);
  if (lhs.k !== 'other' && mayBeFunctionValue(rhs)) {
    ctx.facts.stores.push({ from: ctx.fn, lhs, rhs, line: args[1].startPosition.row, col: args[1].startPosition.column, kind: 'assign' });
  }
}

/** The lvalue a static call key denotes: the key is called as `static_call(name)`. */
function staticKeyExpr(name: string): Expr {
  return { k: 'call', f: 'static_call', a: [{ k: 'name', n: name }] };
}

/** Whether a template's expression depends on the macro's parameters. */
function mentionsParam(e: Expr): boolean {
  return JSON.stringify(e).includes('__kp');
}

const PRIMITIVE_BASE =
  /^(?:(?:unsigned|signed|long|short|int|char|bool|_Bool|void|float|double|[us](?:8|16|32|64)|__[us](?:8|16|32|64)|size_t|ssize_t)\b\s*)+$/;

// Inline-asm operands (`"=a" (out)`) read as calls of a string, `asm volatile(…) (out)` as a call of
// the asm; `++(*n)` after a loop macro or `a * b __attribute__((x))` as a call of an operator.
const NOT_A_CALLEE = new Set([
  'string_literal',
  'concatenated_string',
  'number_literal',
  'char_literal',
  'gnu_asm_expression',
  'update_expression',
  'binary_expression',
  'unary_expression',
  'sizeof_expression',
  'ERROR',
]);
const LOOP_MACRO = /(?:^|_)for_each(?:_|$)/;
const SCOPE_MACROS = new Set(['guard', 'scoped_guard', 'CLASS', 'scoped_cond_guard', 'DEFINE_FREE']);

/** Records the indirect call (true), or the direct call it turns out to be (false). */
function recordIndirect(calleeNode: SyntaxNode, pos: { row: number; column: number }, ctx: Ctx, hints?: string[], via?: string): boolean {
  const c = unparen(calleeNode);
  // The name the user points at: the field of `ops->sendmsg`, the identifier of `okfn`.
  let nameNode: SyntaxNode | null = c;
  if (c.type === 'field_expression') nameNode = c.childForFieldName('field');
  else if (c.type === 'pointer_expression') nameNode = unparen(c.childForFieldName('argument') ?? c);
  if (nameNode?.type === 'field_expression') nameNode = nameNode.childForFieldName('field');
  const np = (nameNode ?? c).startPosition;
  let callee = toExpr(c, ctx);
  // `kvm_x86_call(vcpu_run)(vcpu)`: a macro that yields a function, expanded by resolution with its arguments.
  if (callee.k === 'call' && callee.a.length === 0 && !VALUE_WRAPPERS.has(callee.f)) {
    const args = c.childForFieldName('arguments')?.namedChildren.filter((a) => a.type !== 'comment') ?? [];
    callee = { k: 'call', f: callee.f, a: args.map((a) => toExpr(a, ctx)) };
  }
  // `(*fn)(…)` calls what `fn` holds: the slot is fn's own.
  const normalized = callee.k === 'deref' ? callee.e : callee;
  if (normalized.k === 'name' && !hints) {
    // `(*do_it)(x)` where do_it names a function: a direct call written the long way.
    ctx.facts.calls.push({ from: ctx.fn, callee: normalized.n, line: np.row, col: np.column });
    return false;
  }
  ctx.facts.icalls.push({
    from: ctx.fn,
    callee: normalized,
    line: pos.row,
    col: pos.column,
    nameLine: np.row,
    nameCol: np.column,
    endCol: np.column + (nameNode ?? c).text.length,
    ...(hints ? { hints } : {}),
    ...(via ? { via } : {}),
  });
  return true;
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
  def.params.forEach((p, i) => {
    if (p.name) ctx.scope.set(p.name, { t: p.type, param: i });
  });
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
  enterFunction(
    {
      name: info.name,
      line: node.startPosition.row,
      col: node.startPosition.column,
      endLine: node.endPosition.row,
      nameLine: info.node.startPosition.row,
      nameCol: info.node.startPosition.column,
      ret,
      params: paramsOf(fnDecl?.childForFieldName('parameters') ?? null, ctx),
      isStatic: modifiers.includes('static'),
      isInline: modifiers.includes('inline') || modifiers.includes('__inline__') || modifiers.includes('__inline'),
      signature: node.text.slice(0, headerEnd).replace(/\s+/g, ' ').trim(),
    },
    body,
    ctx,
  );
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
    const text = call
      .childForFieldName('arguments')!
      .text.slice(1, -1)
      .replace(/\/\*[\s\S]*?\*\//g, '');
    const parts = text
      .split(',')
      .map((x) => x.trim())
      .slice(1);
    for (let i = 0; i + 1 < parts.length; i += 2) {
      params.push({ name: parts[i + 1], type: { base: normalizeTypeText(parts[i]), ptr: (parts[i].match(/\*/g) ?? []).length } });
    }
  }
  const nameNode = argNodes[0];
  enterFunction(
    {
      name: macro.prefix + nameNode.text,
      line: stmt.startPosition.row,
      col: stmt.startPosition.column,
      endLine: body.endPosition.row,
      nameLine: nameNode.startPosition.row,
      nameCol: nameNode.startPosition.column,
      ret: { base: 'long', ptr: 0 },
      params,
      isStatic: false,
      isInline: false,
      signature: call.text.replace(/\s+/g, ' '),
      viaMacro: macroNode.text,
    },
    body,
    ctx,
  );
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
  if (ctx.template) return;
  ctx.facts.macros.push(macro);
  const line = node.startPosition.row;
  if (fnLike && raw) {
    const params = (node.childForFieldName('parameters')?.children ?? [])
      .filter((c) => c.type === 'identifier' || c.type === '...')
      .map((c) => c.text);
    const t = buildTemplate(name, line, params, raw, ctx);
    if (t) ctx.facts.templates!.push(t);
  } else if (raw && /^\.\s*[A-Za-z_]\w*\s*=/.test(raw)) {
    // `#define X550_COMMON_MAC .init_hw = &ixgbe_init_hw_generic, …`: designators shared by several tables.
    const t = buildTemplate(name, line, [], `{ ${raw} }`, ctx);
    if (t) ctx.facts.templates!.push(t);
  } else if (raw && /^\(?\s*[A-Za-z_]\w*\s*\(\s*\)\s*\)?$/.test(raw)) {
    // `#define current get_current()`: a receiver typed by what the call returns.
    ctx.facts.templates!.push({
      name,
      line,
      params: [],
      expr: { k: 'call', f: raw.replace(/[()\s]/g, ''), a: [] },
      stores: [],
      uses: [],
      functions: [],
      globals: [],
    });
  } else if (raw && /^[A-Za-z_]\w*$/.test(raw) && ctx.facts.templates!.some((t) => t.name === raw)) {
    // `#define KVM_X86_OP_OPTIONAL __KVM_X86_OP`: another name for a macro defined here.
    ctx.facts.templates!.push({ name, line, params: [], alias: raw, stores: [], uses: [], functions: [], globals: [] });
  }
}

// Bodies worth parsing: they assign or initialize, call, declare a struct variable, or name a static call.
const TEMPLATE_WORTH = /=|\(|static_call|\b(?:struct|union)\s+\w+\s+[\w#]/;

/** The facts of a function-like macro's body with its parameters left open, if it has any that matter (see MacroTemplate). */
function buildTemplate(name: string, line: number, params: string[], raw: string, ctx: Ctx): MacroTemplate | undefined {
  if (!ctx.parse || !TEMPLATE_WORTH.test(raw) || raw.length > 20_000) return undefined;
  const text = templateText(params, raw);
  const form = bodyForm(text);
  const root = ctx.parse(wrapBody(form, text));
  if (!root) return undefined;
  const sub: Ctx = { facts: { ...emptyFacts(ctx.facts.path), uses: [] }, fn: '', scope: new Map(), anon: 0, template: true, fieldArgs: [] };
  const t: MacroTemplate = { name, line, params, stores: [], uses: [], functions: [], globals: [] };
  const top = root.namedChildren.find((c) => c.type === 'declaration' || c.type === 'function_definition');
  const value = top?.type === 'declaration' ? (top.childrenForFieldName('declarator')[0]?.childForFieldName('value') ?? null) : null;
  switch (form) {
    case 'decl':
      walkTopLevel(root, sub);
      fileScopeUses(root, sub);
      break;
    case 'stmt': {
      const body = top?.type === 'function_definition' ? top.childForFieldName('body') : null;
      if (body) scanBody(body, sub);
      break;
    }
    case 'init':
      if (value?.type !== 'initializer_list') return undefined;
      walkInitializer(value, { base: '', ptr: 0 }, [], sub, '');
      t.init = true;
      break;
    case 'expr': {
      if (!value) return undefined;
      const v = unparen(value);
      const fn = v.type === 'call_expression' ? v.childForFieldName('function') : null;
      if (fn?.type === 'identifier') {
        // The body is a call: its callee and arguments, as a site or a use will expand them.
        const args = (v.childForFieldName('arguments')?.namedChildren ?? []).filter((a) => a.type !== 'comment');
        t.expr = { k: 'call', f: fn.text, a: args.map((a) => toExpr(a, sub)) };
        for (const a of args)
          for (const c of [a, ...a.descendantsOfType(['call_expression'])]) if (c.type === 'call_expression') handleCall(c, sub);
      } else {
        for (const c of v.descendantsOfType(['call_expression'])) handleCall(c, sub);
      }
      break;
    }
  }
  const f = sub.facts;
  t.stores = f.stores;
  t.uses = f.uses!;
  // A generated function's signature is the use that wrote it (macros.ts), not the template's text.
  t.functions = f.functions.filter((d) => d.name !== '__kp_macro').map((d) => ({ ...d, signature: '' }));
  t.globals = f.globals.filter((g) => g.name !== '__kp_macro' && g.name.includes('__kp'));
  const forwards = t.expr?.k === 'call' && (STATIC_CALLS.has(t.expr.f) || t.expr.a.some(mentionsParam));
  return t.stores.length || t.uses.length || t.functions.length || t.globals.length || forwards ? t : undefined;
}

/**
 * File-scope macro uses, read from the text (see scanFileScopeUses): variables they define
 * (`DEFINE_PER_CPU(struct rq, runqueues)`), static call keys they set, and the rest as uses.
 */
function fileScopeUses(root: SyntaxNode, ctx: Ctx): void {
  const text = root.text;
  // Uses already read from a declaration (macroDeclared) and the variables they define.
  const seen = new Set(ctx.facts.uses!.filter((u) => u.from === '').map((u) => `${u.line}:${u.col}`));
  for (const g of ctx.facts.globals) seen.add(`${g.line}:${g.col}`);
  for (const u of scanFileScopeUses(text, root.startPosition)) {
    if (u.defines || functionDefiningMacro(u.name) || seen.has(`${u.line}:${u.col}`)) continue;
    const definer = variableDefiningMacro(u.name);
    if (definer) {
      const name = u.args[definer.name];
      const type = u.args[definer.type];
      if (name && /^[A-Za-z_]\w*$/.test(name) && type) {
        ctx.facts.globals.push({
          name,
          type: { base: normalizeTypeText(type), ptr: (type.match(/\*/g) ?? []).length },
          line: u.line,
          col: u.col,
          isStatic: false,
        });
      }
      continue;
    }
    const args = u.args.map(argExpr);
    const setter = STATIC_CALL_SETTERS.get(u.name);
    if (setter) {
      const key = args[0];
      const value = typeof setter.value === 'string' ? { k: 'name' as const, n: setter.value } : args[setter.value];
      if (key?.k === 'name' && value && mayBeFunctionValue(value)) {
        ctx.facts.stores.push({ from: '', lhs: staticKeyExpr(key.n), rhs: value, line: u.line, col: u.col, kind: setter.kind });
      }
      continue;
    }
    if (args.some((a) => a.k !== 'other')) ctx.facts.uses!.push({ from: '', name: u.name, args, line: u.line, col: u.col });
  }
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
      case 'preproc_include':
        // After macros defined here, a header may be an x-macro list expanded with them.
        if (ctx.facts.templates?.length) recordInclude(node, ctx);
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
      case 'ERROR': // tree-sitter's error recovery can wrap the rest of a file in one ERROR node (a macro it cannot read); the definitions inside are still whole, so walk into it.
        walkTopLevel(node, ctx);
        break;
      default:
        break;
    }
  }
}

function recordInclude(node: SyntaxNode, ctx: Ctx): void {
  const path = node.childForFieldName('path')?.text;
  if (path && !ctx.template) ctx.facts.includes!.push({ from: ctx.fn, path, line: node.startPosition.row });
}

/**
 * Extract the facts of one parsed file. `path` is relative to the tree root. `parse` reads the
 * bodies of function-like macros (templates); without it none are kept.
 */
export function extractFacts(root: SyntaxNode, path: string, parse?: ParseText): FileFacts {
  const ctx: Ctx = {
    facts: { ...emptyFacts(path), templates: [], uses: [], includes: [] },
    fn: '',
    scope: new Map(),
    anon: 0,
    parse,
    fieldArgs: [],
  };
  walkTopLevel(root, ctx);
  fileScopeUses(root, ctx);
  keepFunctionFieldArgs(ctx);
  // A call in a body of a function defined here is no macro use.
  const defined = new Set(ctx.facts.functions.map((d) => d.name));
  ctx.facts.uses = ctx.facts.uses!.filter((u) => u.init || u.from === '' || !defined.has(u.name));
  for (const k of ['templates', 'uses', 'includes'] as const) if (!ctx.facts[k]?.length) delete ctx.facts[k];
  if (root.hasError) {
    let errors = 0;
    const first = findFirstError(root);
    // Count ERROR nodes cheaply for the note; tree-sitter keeps going past them.
    const stack: SyntaxNode[] = [root];
    while (stack.length && errors < 1000) {
      const n = stack.pop()!;
      if (n.type === 'ERROR') {
        errors++;
        continue;
      }
      if (n.hasError) for (const c of n.children) stack.push(c);
    }
    ctx.facts.notes.push(
      `${errors} parse error(s), first at line ${first ? first.startPosition.row + 1 : '?'}; the rest of the file was indexed`,
    );
  }
  return ctx.facts;
}

/** Field values passed where a function of this file takes a function pointer: `crypto_x_crypt(tfm, alg->encrypt)`. */
function keepFunctionFieldArgs(ctx: Ctx): void {
  if (!ctx.fieldArgs.length) return;
  const params = new Map(ctx.facts.functions.map((d) => [d.name, d.params]));
  for (const a of ctx.fieldArgs) {
    const p = params.get(a.callee)?.[a.index];
    if (p && canHoldFunction(p.type)) ctx.facts.args.push(a);
  }
}

function findFirstError(n: SyntaxNode): SyntaxNode | null {
  if (n.type === 'ERROR' || n.isMissing) return n;
  for (const c of n.children)
    if (c.hasError || c.isMissing) {
      const e = findFirstError(c);
      if (e) return e;
    }
  return null;
}
