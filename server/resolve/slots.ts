// The slots expressions denote and the values that flow into them (slot.ts says what a slot is
// and how its key is written). A function declared in the scope but defined outside it is the
// value `extern:name`: its store is kept, so that a slot holding only such functions can say where
// they are (see externName).
// Stores put functions into slots (with evidence) or copy one slot into another
// (`sch->enqueue = ops->enqueue`); the targets of a slot are the functions that reach it.
import type { Evidence } from '../protocol';
import type { ArgPass, Expr, FileFacts, IndirectCall, Store, TypeRef } from '../parse/facts';
import { STATIC_CALLS, STATIC_CALL_QUERIES, VALUE_WRAPPERS, staticCallKey } from '../parse/kernelMacros';
import { expandCallee, expandFile } from './macros';
import { functionId, structLabel, type TypeEnv } from './typeEnv';
import { argKey, externKey, fieldKey, globalKey, localKey, paramKey } from './slot';

/**
 * `general` lists less specific names of the same slot: a field reached through a member embedded by
 * value (`ptype->callbacks.gro_receive`) is the slot `packet_offload.callbacks.gro_receive`, which
 * keeps `net_offload`'s callbacks apart, and also belongs to `offload_callbacks.gro_receive`.
 */
export type SlotResult = { slot: string; receiverType?: string; general?: string[] } | { direct: string } | { unresolved: string };

/** A chain of members embedded by value: structs[0].members[0] (of type structs[1]).members[1] … */
interface MemberChain {
  structs: string[];
  members: string[];
}

function isRecord(base: string): boolean {
  return base.startsWith('struct ') || base.startsWith('union ');
}

/** If `e` denotes a struct embedded by value in another (`ptype->callbacks`), the chain that reaches it. */
function memberChain(env: TypeEnv, e: Expr, file: string, depth = 0): MemberChain | undefined {
  if (e.k !== 'field' || depth > 6) return undefined;
  const fi = env.fieldOf(e, file);
  if (!fi) return undefined;
  const t = env.canon(fi.type);
  if (t.ptr !== 0 || !isRecord(t.base)) return undefined;
  const owner = structLabel(fi.owner);
  let base = memberChain(env, e.e, file, depth + 1);
  if (!base || base.structs[base.structs.length - 1] !== owner) base = { structs: [owner], members: [] };
  return { structs: [...base.structs, structLabel(t.base)], members: [...base.members, fi.name] };
}

/** The qualified slot of field `f` in the last struct of `chain`, and its more general names. */
function chainSlot(chain: MemberChain, f: string): { slot: string; general: string[] } {
  const names: string[] = [];
  for (let i = 0; i <= chain.members.length; i++) names.push(fieldKey(chain.structs[i], ...chain.members.slice(i), f));
  return { slot: names[0], general: names.slice(1) };
}

export interface SlotValue {
  fn?: string;
  slot?: string;
  evidence: Evidence;
}

/** The id of the function named `name` defined in `file` (for `from` fields of facts). */
export function enclosingId(env: TypeEnv, file: string, name: string): string {
  const list = env.functions.get(name);
  const here = list?.find((e) => e.file === file);
  return here ? here.id : name;
}

export function globalSlot(env: TypeEnv, name: string, file: string): string | undefined {
  const g = env.lookupGlobal(name, file);
  return g ? globalKey(g.id) : undefined;
}

/** The slot a callee or lvalue expression denotes. */
export function slotOf(env: TypeEnv, e: Expr, file: string, fnId: string, depth = 0): SlotResult {
  if (depth > 8) return { unresolved: 'expression too deep' };
  switch (e.k) {
    case 'field': {
      const owner = env.typeOf(e.e, file);
      if (!owner) return { unresolved: `type of the receiver of .${e.f} is unknown` };
      if (!(owner.base.startsWith('struct ') || owner.base.startsWith('union ')))
        return { unresolved: `receiver of .${e.f} has non-struct type ${owner.base}` };
      const fi = env.field(owner.base, e.f);
      if (!fi) return { unresolved: `${structLabel(owner.base)} has no field ${e.f} in the index` };
      const chain = memberChain(env, e.e, file);
      if (chain && chain.structs[chain.structs.length - 1] === structLabel(fi.owner)) {
        return { ...chainSlot(chain, fi.name), receiverType: owner.base };
      }
      return { slot: fieldKey(structLabel(fi.owner), fi.name), receiverType: owner.base };
    }
    case 'local':
      return e.param !== undefined ? { slot: paramKey(fnId, e.param) } : { slot: localKey(fnId, e.n) };
    case 'name': {
      const g = globalSlot(env, e.n, file);
      if (g) return { slot: g };
      const fn = env.lookupFunction(e.n, file);
      if (fn) return { direct: fn.id };
      return { unresolved: `${e.n} is neither a function nor a global in the index` };
    }
    case 'deref':
    case 'addr':
    case 'cast':
    case 'index':
      return slotOf(env, e.e, file, fnId, depth + 1);
    case 'call': {
      if (VALUE_WRAPPERS.has(e.f) && e.a[0]) return slotOf(env, e.a[0], file, fnId, depth + 1);
      const key = staticCallSlot(e);
      if (key) return { slot: key };
      // `kvm_x86_call(vcpu_run)`: the macro's expansion (`static_call(kvm_x86_vcpu_run)`) is the callee.
      const expanded = expandCallee(env.macros, e, file);
      if (expanded) return slotOf(env, expanded, file, fnId, depth + 1);
      return { unresolved: `calls the function pointer returned by ${e.f}()` };
    }
    case 'callp':
      return { unresolved: 'calls a function pointer returned by another call' };
    case 'cond':
      return { unresolved: 'conditional callee' };
    default:
      return { unresolved: 'callee expression kind not modelled' };
  }
}

/** `static_call(name)` (or `static_call_query(name)`): the global slot of the key `__SCK__name`. */
function staticCallSlot(e: Extract<Expr, { k: 'call' }>): string | undefined {
  if (!STATIC_CALLS.has(e.f) && !STATIC_CALL_QUERIES.has(e.f)) return undefined;
  const key = e.a[0];
  return key?.k === 'name' ? globalKey(staticCallKey(key.n)) : undefined;
}

/** What a stored or passed value contributes: functions and slots that flow into the target slot. */
export function valuesOf(env: TypeEnv, e: Expr, file: string, fnId: string, out: { fn?: string; slot?: string }[], depth = 0): void {
  if (depth > 8) return;
  switch (e.k) {
    case 'name': {
      const fn = env.lookupFunction(e.n, file);
      if (fn) {
        out.push({ fn: fn.id });
        return;
      }
      const g = globalSlot(env, e.n, file);
      if (g) out.push({ slot: g });
      else if (env.declaration(e.n)) out.push({ slot: externKey(e.n) });
      return;
    }
    case 'addr':
    case 'cast':
    case 'deref':
      valuesOf(env, e.e, file, fnId, out, depth + 1);
      return;
    case 'cond':
      valuesOf(env, e.a, file, fnId, out, depth + 1);
      valuesOf(env, e.b, file, fnId, out, depth + 1);
      return;
    case 'call': {
      if (VALUE_WRAPPERS.has(e.f) && e.a[0]) valuesOf(env, e.a[0], file, fnId, out, depth + 1);
      const key = staticCallSlot(e);
      if (key) out.push({ slot: key });
      return;
    }
    case 'field':
    case 'local':
    case 'index': {
      const s = slotOf(env, e, file, fnId, depth + 1);
      if ('slot' in s) out.push({ slot: s.slot });
      return;
    }
    default:
  }
}

/** The slot of an indirect call's argument `index`: `slot#index` (see the header). */
export function siteArgSlots(site: SlotResult, index: number): string[] {
  if ('direct' in site) return [paramKey(site.direct, index)];
  if ('slot' in site) return [site.slot, ...(site.general ?? [])].map((s) => argKey(s, index));
  return [];
}

/** The slot an initializer or assignment writes (with its more general names). */
export function storeSlot(env: TypeEnv, st: Store, file: string): { slot: string; general?: string[] } | undefined {
  const fnId = st.from ? enclosingId(env, file, st.from) : '';
  if (st.lhs.k === 'init') {
    const { t, path, v } = st.lhs;
    // A variable (or an array) of function pointers initialized directly: the variable is the slot.
    if (path.length === 0 || (env.canon(t).fn && path.every((p) => p.startsWith('#')))) {
      if (!v) return undefined;
      const slot = st.from ? localKey(fnId, v) : globalSlot(env, v, file);
      return slot ? { slot } : undefined;
    }
    return initSlot(env, t, path);
  }
  const s = slotOf(env, st.lhs, file, fnId);
  return 'slot' in s ? { slot: s.slot, general: s.general } : undefined;
}

/** Walk an initializer's designators from type t; members embedded by value qualify the slot. */
function initSlot(env: TypeEnv, t: TypeRef, path: string[]): { slot: string; general?: string[] } | undefined {
  let cur = env.canon(t);
  let chain: MemberChain = { structs: [structLabel(cur.base)], members: [] };
  // The field last stepped into: an element of an array field (`.adt = { [IPSET_ADD] = f }`) is stored in the array's slot.
  let last: { slot: string; general?: string[] } | undefined;
  for (let i = 0; i < path.length; i++) {
    const step = path[i];
    if (step.startsWith('#') && cur.ptr > 0) {
      cur = { ...cur, ptr: cur.ptr - 1 };
      continue;
    }
    const st = env.structs.get(cur.base);
    if (!st) return undefined;
    const fi = step.startsWith('#') ? (step === '#*' ? undefined : st.ordered[Number(step.slice(1))]) : env.field(cur.base, step);
    if (!fi) return undefined;
    const owner = structLabel(fi.owner);
    if (chain.structs[chain.structs.length - 1] !== owner) chain = { structs: [owner], members: [] };
    last = chain.members.length ? chainSlot(chain, fi.name) : { slot: fieldKey(owner, fi.name) };
    if (i === path.length - 1) return last;
    cur = env.canon(fi.type);
    chain = { structs: [...chain.structs, structLabel(cur.base)], members: [...chain.members, fi.name] };
  }
  return cur.fn ? last : undefined;
}

/** Per-file contributions to the store graph, computed once per file version. */
export interface FileFlows {
  /** slot ← value, with evidence. */
  flows: { slot: string; value: { fn?: string; slot?: string }; evidence: Evidence }[];
  /** Each indirect call's slot (or why it has none), aligned with facts.icalls. */
  sites: SlotResult[];
}

export function fileFlows(env: TypeEnv, f: FileFacts): FileFlows {
  const flows: FileFlows['flows'] = [];
  const addStore = (st: Store): void => {
    const target = storeSlot(env, st, f.path);
    if (!target) return;
    const slot = target.slot;
    const values: { fn?: string; slot?: string }[] = [];
    const inFn = st.from ? enclosingId(env, f.path, st.from) : '';
    valuesOf(env, st.rhs, f.path, inFn, values);
    for (const value of values) {
      if (value.slot === slot) continue;
      const evidence: Evidence = { file: f.path, line: st.line, col: st.col, how: value.fn ? st.kind : 'copy', slot };
      if (inFn) evidence.in = inFn;
      flows.push({ slot, value, evidence });
      // The store also belongs to the general names of the slot (see SlotResult).
      for (const g of target.general ?? []) flows.push({ slot: g, value, evidence });
    }
  };
  const sites = f.icalls.map((ic: IndirectCall) => slotOf(env, ic.callee, f.path, enclosingId(env, f.path, ic.from)));
  const addArg = (a: ArgPass): void => {
    let slots: string[];
    if (a.site !== undefined) slots = sites[a.site] ? siteArgSlots(sites[a.site], a.index) : [];
    else {
      const callee = env.lookupFunction(a.callee, f.path);
      slots = callee ? [paramKey(callee.id, a.index)] : [];
    }
    if (!slots.length) return;
    const values: { fn?: string; slot?: string }[] = [];
    const inFn = enclosingId(env, f.path, a.from);
    valuesOf(env, a.value, f.path, inFn, values);
    for (const value of values)
      for (const slot of slots) {
        if (value.slot === slot) continue;
        flows.push({ slot, value, evidence: { file: f.path, line: a.line, col: a.col, how: value.fn ? 'arg' : 'copy', slot, in: inFn } });
      }
  };
  for (const st of f.stores) addStore(st);
  for (const a of f.args) addArg(a);
  if (f.uses || f.includes) {
    const x = expandFile(env.macros, f);
    for (const st of x.stores) addStore(st);
    for (const a of x.args) addArg(a);
  }
  return { flows, sites };
}

export { functionId };
