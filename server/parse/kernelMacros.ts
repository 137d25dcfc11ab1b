// The kernel macros whose meaning resolution depends on. Kept in one place because both the
// extractor (which shapes facts around them) and the resolver (which types through them) use it.

/** Macros and helpers whose value is their first argument, typed as it (`READ_ONCE(sock->ops)`). */
export const VALUE_WRAPPERS = new Set([
  'READ_ONCE',
  'ACCESS_ONCE',
  'data_race',
  'likely',
  'unlikely',
  'rcu_dereference',
  'rcu_dereference_bh',
  'rcu_dereference_sched',
  'rcu_dereference_raw',
  'rcu_dereference_check',
  'rcu_dereference_protected',
  'rcu_dereference_bh_check',
  'rcu_dereference_sched_check',
  'rcu_dereference_raw_check',
  'rcu_dereference_rtnl',
  'rtnl_dereference',
  'rcu_access_pointer',
  'srcu_dereference',
  'srcu_dereference_check',
  'smp_load_acquire',
  'this_cpu_ptr',
  'raw_cpu_ptr',
  'per_cpu_ptr',
  'get_cpu_ptr',
  'lockdep_dereference_protected',
  'xa_untag_pointer',
  'RELOC_HIDE',
  'unrcu_pointer',
  'rcu_dereference_bh_rtnl',
  'rcu_replace_pointer',
  'rcu_dereference_sk_user_data',
  'indirect_call_wrapper',
  // Per-CPU accessors: typed as the variable they name (`per_cpu(runqueues, cpu).curr`).
  'per_cpu',
  'get_cpu_var',
  'this_cpu_read',
  '__this_cpu_read',
  'raw_cpu_read',
]);

/** Macros that yield a pointer to the type named in their second argument. */
export const CONTAINER_MACROS = new Set([
  'container_of',
  'container_of_const',
  'container_of_safe',
  'list_entry',
  'list_first_entry',
  'list_last_entry',
  'list_first_entry_or_null',
  'list_next_entry',
  'hlist_entry',
  'hlist_entry_safe',
  'rb_entry',
  'rb_entry_safe',
  'list_entry_rcu',
  'list_first_or_null_rcu',
  'llist_entry',
]);

/** Macros that store their second argument into their first (`WRITE_ONCE(sk->sk_data_ready, fn)`). */
export const STORE_MACROS = new Set([
  'WRITE_ONCE',
  'rcu_assign_pointer',
  'RCU_INIT_POINTER',
  'smp_store_release',
  'ASSIGN_ONCE',
  'xchg',
  'xchg_relaxed',
  'cmpxchg_release',
]);

/**
 * `INDIRECT_CALL_N(f, fN, …, f1, args…)`: how many hints follow `f`. A numeric suffix says it;
 * the family macros (`INDIRECT_CALL_INET`, `_L4`, `_MT`) take two.
 */
export function indirectCallHintCount(macro: string): number | undefined {
  if (!macro.startsWith('INDIRECT_CALL_')) return undefined;
  const m = /_(\d)$/.exec(macro);
  return m ? Number(m[1]) : 2;
}

/** Macros that define a function: `SYSCALL_DEFINE3(send, int, fd, …) { … }`. */
export function functionDefiningMacro(name: string): { prefix: string; pairs: boolean } | undefined {
  if (/^SYSCALL_DEFINE\d$/.test(name)) return { prefix: 'sys_', pairs: true };
  if (/^COMPAT_SYSCALL_DEFINE\d$/.test(name)) return { prefix: 'compat_sys_', pairs: true };
  if (/^BPF_CALL_\d$/.test(name)) return { prefix: '', pairs: true };
  if (/^(?:__)?BPF_(?:CALL|TRACE)_\w*$/.test(name)) return { prefix: '', pairs: false };
  return undefined;
}

/**
 * Static calls (include/linux/static_call.h): `static_call(name)(args)` calls through the key
 * `STATIC_CALL_KEY(name)`, i.e. `__SCK__name`, whose function is set by `DEFINE_STATIC_CALL(name, f)`
 * and `static_call_update(name, f)`. Each key is a global slot of its own.
 */
export const STATIC_CALLS = new Set(['static_call', 'static_call_cond', 'static_call_mod', 'static_call_ro', '__static_call']);
/** `static_call_query(name)`: the function the key holds, as a value. */
export const STATIC_CALL_QUERIES = new Set(['static_call_query']);
/** Macros that set a key's function: the key is argument 0, the function the value given here (an argument index or a fixed name). */
export const STATIC_CALL_SETTERS = new Map<string, { value: number | string; kind: 'init' | 'assign' }>([
  ['DEFINE_STATIC_CALL', { value: 1, kind: 'init' }],
  ['DEFINE_STATIC_CALL_RET0', { value: '__static_call_return0', kind: 'init' }],
  ['static_call_update', { value: 1, kind: 'assign' }],
]);

/** The variable behind a static call key (the kernel's STATIC_CALL_KEY(name)). */
export function staticCallKey(name: string): string {
  return `__SCK__${name}`;
}

/**
 * Macros that define a variable of a type given as an argument: `DEFINE_PER_CPU(struct rq, runqueues)`
 * (their expansion goes through `__typeof__(type)`, which templates do not follow).
 */
export function variableDefiningMacro(name: string): { type: number; name: number } | undefined {
  return /^(?:DEFINE|DECLARE)_PER_CPU(?:_[A-Z_]+)?$/.test(name) ? { type: 0, name: 1 } : undefined;
}
