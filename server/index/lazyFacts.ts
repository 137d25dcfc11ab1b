// Parts of a file's facts that a warm start does not need, kept as JSON text until something reads
// them: the direct calls (a third of all facts; read by the call graph), the function signatures
// (read by hover) and parameter lists (read when an edit is checked for type changes; the
// extractor already typed every use of a parameter), and the plain `#define`s (1.6 million on
// the whole tree, of which 3,500 type anything; read by go-to-definition). Facts read back this
// way have `calls` and `macros` properties that unpack on first read; everything else is plain data.
// Until then the text is a range of the cache file (fileSlice.ts), or a string until it is written.
import { packCalls, unpackCalls, type FileFacts, type FunctionDef, type MacroDef, type PackedCalls } from '../parse/facts';
import { textOf, type FileSlice, type LazyText } from './fileSlice';

/** A file's facts in three texts-to-be: the head (parsed at load), and two parts kept as text. */
export interface SplitFacts {
  head: Omit<FileFacts, 'calls'>;
  calls: string;
  callCount: number;
  extras: string;
}

interface Unread {
  calls?: { raw: LazyText; count: number };
  extras?: { raw: LazyText; typed: MacroDef[] };
}
const unread = new WeakMap<FileFacts, Unread>();

/** One copy of each call name across all files read lazily (millions of call sites share them). */
const callNames = new Map<string, string>();
const internName = (s: string): string => {
  const v = callNames.get(s);
  if (v !== undefined) return v;
  callNames.set(s, s);
  return s;
};

const typed = (m: MacroDef): boolean => m.value !== undefined || m.returns !== undefined;

/** Macros that resolution reads (field aliases, typed accessors), without unpacking the others. */
export function typedMacros(f: FileFacts): MacroDef[] {
  return unread.get(f)?.extras?.typed ?? f.macros.filter(typed);
}

/** True while a file's calls are still packed text (so nobody needs to intern them). */
export function callsUnread(f: FileFacts): boolean {
  return unread.get(f)?.calls !== undefined;
}

/** How many direct calls a file makes, without unpacking them. */
export function callCount(f: FileFacts): number {
  return unread.get(f)?.calls?.count ?? f.calls.length;
}

/** False when `f` surely defines no macro `name`: a search of every file unpacks only the files that may. */
export function mayDefineMacro(f: FileFacts, name: string): boolean {
  const extras = unread.get(f)?.extras;
  if (!extras) return true;
  return extras.typed.some((m) => m.name === name) || textOf(extras.raw).includes(`"name":${JSON.stringify(name)}`);
}

/** Make sure the functions of `f` carry their signatures and parameters (unpacked with the plain macros). */
export function readExtras(f: FileFacts): void {
  if (unread.get(f)?.extras) void f.macros;
}

/** Split facts for writing; parts never unpacked are passed on as the text they came as. */
export function splitFacts(f: FileFacts): SplitFacts {
  const u = unread.get(f);
  const calls = u?.calls ? textOf(u.calls.raw) : JSON.stringify(packCalls(f.calls));
  const callCount = u?.calls ? u.calls.count : f.calls.length;
  const extras = u?.extras
    ? textOf(u.extras.raw)
    : JSON.stringify([f.functions.map((d) => d.signature), f.macros.filter((m) => !typed(m)), f.functions.map((d) => d.params)]);
  const functions = u?.extras ? f.functions : f.functions.map(({ signature: _signature, params: _params, ...rest }) => rest);
  // Named one by one: reading `calls` or `macros` here would unpack them.
  const head = {
    path: f.path,
    functions: functions as FileFacts['functions'],
    decls: f.decls,
    structs: f.structs,
    typedefs: f.typedefs,
    globals: f.globals,
    macros: typedMacros(f),
    icalls: f.icalls,
    stores: f.stores,
    args: f.args,
    notes: f.notes,
    lexOnly: f.lexOnly,
    conds: f.conds,
    cIncludes: f.cIncludes,
    templates: f.templates,
    uses: f.uses,
    includes: f.includes,
  };
  return { head, calls, callCount, extras };
}

/** The parts of `f` still unread now live in the cache file at `calls` and `extras`: drop the strings. */
export function unreadPartsAt(f: FileFacts, calls: FileSlice, extras: FileSlice): void {
  const u = unread.get(f);
  if (u?.calls) u.calls.raw = calls;
  if (u?.extras) u.extras.raw = extras;
}

/** The inverse of splitFacts: `head` becomes the facts, with `calls` and `macros` read on demand. */
export function joinFacts(head: FileFacts, calls: LazyText, callCount: number, extras: LazyText): FileFacts {
  const f = head;
  unread.set(f, { calls: { raw: calls, count: callCount }, extras: { raw: extras, typed: f.macros } });
  lazyProperty(f, 'calls', () => {
    const u = unread.get(f)!;
    const list = unpackCalls(JSON.parse(textOf(u.calls!.raw)) as PackedCalls, internName);
    u.calls = undefined;
    return list;
  });
  lazyProperty(f, 'macros', () => {
    const u = unread.get(f)!;
    const [signatures, plain, params] = JSON.parse(textOf(u.extras!.raw)) as [string[], MacroDef[], FunctionDef['params'][]];
    f.functions.forEach((d, i) => {
      d.signature = signatures[i] ?? '';
      d.params = params[i] ?? [];
    });
    const all = [...u.extras!.typed, ...plain].sort((a, b) => a.line - b.line);
    u.extras = undefined;
    return all;
  });
  return f;
}

/** A property computed on first read and then stored; enumerable, so that `{ ...facts }` keeps it. */
function lazyProperty<K extends 'calls' | 'macros'>(f: FileFacts, key: K, read: () => FileFacts[K]): void {
  const settle = (v: FileFacts[K]): FileFacts[K] => {
    Object.defineProperty(f, key, { value: v, writable: true, enumerable: true, configurable: true });
    return v;
  };
  Object.defineProperty(f, key, {
    enumerable: true,
    configurable: true,
    get: () => settle(read()),
    set: (v: FileFacts[K]) => {
      const u = unread.get(f);
      // Written over before it was read (a test, an edit): the text is stale now. Macros are read
      // first all the same, for the signatures and parameters that come with them.
      if (key === 'macros') readExtras(f);
      else if (u) u.calls = undefined;
      settle(v);
    },
  });
}
