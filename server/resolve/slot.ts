// Slot identity: the one place a slot's key is written and read back. A slot is any place a
// function pointer lives; the resolver's tables, the saved flows and the answers hold it as its key,
// a string (millions of stores share a few hundred thousand keys, and the flows cache is JSON):
//   `proto_ops.sendmsg`               a struct field, by the struct that declares it; a field reached
//                                     through members embedded by value is qualified by them
//                                     (`packet_offload.callbacks.gro_receive`)
//   `NF_HOOK#6`                       parameter 6 of a function (what callers pass)
//   `run:fn`, `run@net/x.c:fn`        a local variable of a function (static functions' ids carry their file)
//   `G:name`, `G:name@net/x.c`        a global variable
//   `proto_ops.poll#1`                argument 1 of the indirect calls through a slot: it reaches parameter
//                                     1 of every function stored there (`ds->ops->port_fdb_dump(ds, port, cb, data)`)
//   `extern:name`                     a function declared in the scope but defined outside it (a value only)
// Function ids are `name` or `name@file` (typeEnv.ts functionId); file names hold '.', so a key is
// never taken apart by looking for one character.

export type Slot =
  | { kind: 'field'; struct: string; members: string[] }
  | { kind: 'param'; fn: string; index: number }
  | { kind: 'local'; fn: string; name: string }
  | { kind: 'global'; id: string }
  | { kind: 'arg'; of: Slot; index: number }
  | { kind: 'extern'; name: string };

const GLOBAL = 'G:';
const EXTERN = 'extern:';

/** The key of a slot: the string the tables, the saved flows and the answers hold. */
export function slotKey(s: Slot): string {
  switch (s.kind) {
    case 'field':
      return [s.struct, ...s.members].join('.');
    case 'param':
      return `${s.fn}#${s.index}`;
    case 'local':
      return `${s.fn}:${s.name}`;
    case 'global':
      return GLOBAL + s.id;
    case 'arg':
      return `${slotKey(s.of)}#${s.index}`;
    case 'extern':
      return EXTERN + s.name;
  }
}

export const fieldKey = (struct: string, ...members: string[]): string => slotKey({ kind: 'field', struct, members });
export const paramKey = (fn: string, index: number): string => slotKey({ kind: 'param', fn, index });
export const localKey = (fn: string, name: string): string => slotKey({ kind: 'local', fn, name });
export const globalKey = (id: string): string => slotKey({ kind: 'global', id });
export const externKey = (name: string): string => slotKey({ kind: 'extern', name });
/** Argument `index` of the indirect calls through the slot `key`. */
export const argKey = (key: string, index: number): string => `${key}#${index}`;

const FUNCTION_ID = /^\w+(?:@[^#:]+)?$/;
const LOCAL = /^(\w+(?:@[^#:]+)?):(\w+)$/;
// A struct label is a name, an anonymous struct's `<anon:file:row:n>`, or `outer::inner`.
const FIELD = /^((?:<anon:[^>]*>|\w+)(?:::\w+)*)((?:\.\w+)+)$/;
const INDEXED = /^(.*)#(\d+)$/;

/** A key read back; undefined for a string no slot has. */
export function parseSlot(key: string): Slot | undefined {
  if (key.startsWith(EXTERN)) return { kind: 'extern', name: key.slice(EXTERN.length) };
  if (key.startsWith(GLOBAL)) return { kind: 'global', id: key.slice(GLOBAL.length) };
  const indexed = INDEXED.exec(key);
  if (indexed) {
    const [, base, index] = indexed;
    if (FUNCTION_ID.test(base)) return { kind: 'param', fn: base, index: Number(index) };
    const of = parseSlot(base);
    return of ? { kind: 'arg', of, index: Number(index) } : undefined;
  }
  const local = LOCAL.exec(key);
  if (local) return { kind: 'local', fn: local[1], name: local[2] };
  const field = FIELD.exec(key);
  if (field) return { kind: 'field', struct: field[1], members: field[2].slice(1).split('.') };
  return undefined;
}

/** What kind of slot a key names ('field' for one it cannot read, as the answers always said). */
export function slotKindOf(key: string): Slot['kind'] {
  return parseSlot(key)?.kind ?? 'field';
}

/** Whether a key is a struct field's slot. */
export const isFieldKey = (key: string): boolean => parseSlot(key)?.kind === 'field';

/** Whether a key is one of `fnId`'s parameters. */
export function isParamOf(key: string, fnId: string): boolean {
  const s = parseSlot(key);
  return s?.kind === 'param' && s.fn === fnId;
}

/** Whether a key is one of `fnId`'s locals. */
export function isLocalOf(key: string, fnId: string): boolean {
  const s = parseSlot(key);
  return s?.kind === 'local' && s.fn === fnId;
}

/** The function a value names when it is one declared but defined outside the indexed folders. */
export function externName(key: string): string | undefined {
  return key.startsWith(EXTERN) ? key.slice(EXTERN.length) : undefined;
}

/** A function's or global's name without the file a static one carries. */
const bare = (id: string): string => id.replace(/@.*/, '');

/** A slot for a person, in markdown: `global \`x\``, `parameter 2 of \`f\``, `local \`fn\` of \`run\``, or the key. */
export function describeSlot(key: string): string {
  const s = parseSlot(key);
  return s ? describe(s) : code(key);
}

const code = (s: string): string => `\`${s.replace(/`/g, "'")}\``;

function describe(s: Slot): string {
  switch (s.kind) {
    case 'global':
      return `global ${code(bare(s.id))}`;
    case 'param':
      return `parameter ${s.index + 1} of ${code(bare(s.fn))}`;
    case 'local':
      return `local ${code(s.name)} of ${code(bare(s.fn))}`;
    case 'arg':
      return `argument ${s.index + 1} of the calls through ${describe(s.of)}`;
    case 'field':
    case 'extern':
      return code(slotKey(s));
  }
}
