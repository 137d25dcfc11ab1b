// Read, decode, parse and extract one file. Every failure becomes a note on the file's facts:
// a file that cannot be read or parsed is reported and skipped, never fatal to the index.
import { createHash } from 'node:crypto';
import { getHeapStatistics } from 'node:v8';
import * as path from 'node:path';
import Parser from 'tree-sitter';
import C from 'tree-sitter-c';
import type { FileFacts } from './facts';
import { emptyFacts } from './facts';
import { extractFacts } from './extract';
import { lightTree, type LNode } from './lightTree';
import { nativeParser } from './nativeParser';
import { collectGarbage } from '../collectGarbage';
import { blankAnnotations, isDefineOnly, lexDefines } from './preprocess';
import { blankNumberLists } from './numberLists';
import { scanConditionals } from './conditionals';
import { FileRefused, megabytes, openRegular, readRegular } from '../index/fileSlice';

/** Files larger than this are lexed for macros only (generated tables, firmware blobs). */
export const MAX_PARSE_BYTES = 5 * 1024 * 1024;
/**
 * Files larger than this are not read at all (both limits are checked on the open file, before
 * reading). The largest source in 6.12 is a 24 MB register header; a file over V8's longest string
 * (512 MiB) would otherwise abort the whole index.
 */
export const MAX_SOURCE_BYTES = 64 * 1024 * 1024;
/** The `hash` of a file over MAX_SOURCE_BYTES: it was not read, so it has none, but it is cached as it is. */
const NOT_READ = 'not read';
/** A define-only header with more #defines than this is counted, not listed. */
const MAX_KEPT_DEFINES = 2000;
/** tree-sitter gives up on a file after this long (microseconds): pathological inputs stay bounded. */
const PARSE_TIMEOUT_US = 20_000_000;

let parser: Parser | undefined;

// tree-sitter trees live in native memory that V8 does not count. The binding frees one when its JS
// wrapper is collected *and* the event loop turns (N-API finalizers are deferred). A parser thread's
// JS heap stays small, so V8 rarely collects it: native trees piled up to tens of GB over a whole
// kernel tree. So, on the binding path: collect every few MB parsed, and let the caller yield to the
// event loop. The native parser frees its trees at once, but a parser thread runs with the index's
// 1 GB starting old generation (server/nodeFlags.ts): left alone, each thread's heap grew to a GB
// before V8 looked at it (net-scope peak RSS 1.4 -> 2.7 GB). There a collection runs when the heap
// has grown 96 MB since the last: every 4 MB parsed cost 6 s more on the net scope, every 16 MB
// still kept 1.6 GB; this keeps 1.25 GB at no cost.
const COLLECT_EVERY_BYTES = 4 * 1024 * 1024;
const COLLECT_HEAP_GROWTH = 96 * 1024 * 1024;
let collectAtHeap = COLLECT_HEAP_GROWTH;
let bytesSinceCollect = 0;

/** Run a garbage collection if it is due; true if it ran (then yield to the event loop). */
export function collectTrees(): boolean {
  if (nativeParser() ? getHeapStatistics().used_heap_size < collectAtHeap : bytesSinceCollect < COLLECT_EVERY_BYTES) return false;
  bytesSinceCollect = 0;
  const ran = collectGarbage();
  collectAtHeap = getHeapStatistics().used_heap_size + COLLECT_HEAP_GROWTH;
  return ran;
}

/** The tree of `text`, from the native parser when it was built, else through the binding; null on timeout. */
function parseTree(text: string): LNode | null {
  bytesSinceCollect += text.length;
  const native = nativeParser();
  if (native) return native.parse(text, PARSE_TIMEOUT_US / 1000);
  const tree = getParser().parse(text, undefined, { bufferSize: Math.max(32 * 1024, text.length * 2 + 1024) });
  return tree ? lightTree(tree, text) : null;
}

function getParser(): Parser {
  if (!parser) {
    parser = new Parser();
    parser.setLanguage(C as unknown as Parser.Language);
    parser.setTimeoutMicros?.(PARSE_TIMEOUT_US);
  }
  return parser;
}

export interface ParsedFile {
  facts: FileFacts;
  hash: string;
  size: number;
  mtimeMs: number;
}

export function hashContent(buf: Buffer): string {
  return createHash('sha1').update(buf).digest('hex');
}

/** Decode as UTF-8; a file that is not valid UTF-8 is read as Latin-1 so each byte keeps its column. */
export function decode(buf: Buffer): { text: string; utf8: boolean } {
  const text = buf.toString('utf8');
  if (!text.includes('\uFFFD')) return { text, utf8: true };
  return { text: buf.toString('latin1'), utf8: false };
}

/** Parse `rel` under `root`, or `contents` when given (an unsaved editor buffer). */
export function parseFile(root: string, rel: string, contents?: string): ParsedFile {
  if (contents !== undefined) {
    const buf = Buffer.from(contents, 'utf8');
    return { facts: factsOf(rel, buf), hash: hashContent(buf), size: buf.length, mtimeMs: 0 };
  }
  let buf: Buffer;
  let mtimeMs = 0;
  try {
    const open = openRegular(path.join(root, rel));
    mtimeMs = open.mtimeMs;
    try {
      if (open.size > MAX_SOURCE_BYTES) {
        const facts = emptyFacts(rel);
        facts.lexOnly = true;
        facts.notes.push(`not read: ${megabytes(open.size)}, over the ${megabytes(MAX_SOURCE_BYTES)} limit for a source file`);
        return { facts, hash: NOT_READ, size: open.size, mtimeMs };
      }
      buf = open.file.head(open.size);
    } finally {
      open.file.close();
    }
  } catch (e) {
    const facts = emptyFacts(rel);
    facts.notes.push(`unreadable: ${e instanceof FileRefused ? e.reason : ((e as NodeJS.ErrnoException).code ?? String(e))}`);
    return { facts, hash: '', size: 0, mtimeMs };
  }
  const hash = hashContent(buf);
  const facts = factsOf(rel, buf);
  return { facts, hash, size: buf.length, mtimeMs };
}

/** The content hash of a tree file as the index would record it, or undefined if it cannot be read now. */
export function hashOnDisk(root: string, rel: string): string | undefined {
  try {
    return hashContent(readRegular(path.join(root, rel), MAX_SOURCE_BYTES).bytes);
  } catch {
    return undefined;
  }
}

/** A tree file's text (UTF-8) as the index reads it, or undefined: gone, not a regular file, over the limit. */
export function sourceText(root: string, rel: string): string | undefined {
  try {
    return readRegular(path.join(root, rel), MAX_SOURCE_BYTES).bytes.toString('utf8');
  } catch {
    return undefined;
  }
}

/** Notes that make a file a problem of the index (not read, not parsed), as opposed to facts about it. */
const PROBLEM_NOTE = /^(unreadable|not read|not parsed):/;

/** Why a file's facts are missing, when they are: `rel: not parsed: …`, for the index's problems. */
export function fileProblem(facts: FileFacts): string | undefined {
  const bad = facts.notes.filter((n) => PROBLEM_NOTE.test(n));
  return bad.length ? `${facts.path}: ${bad.join('; ')}` : undefined;
}

// A line at column 0 that starts like a function definition: `static int foo(`.
const DEF_START = /^(?!(?:if|for|while|switch|return|else|do|case|goto)\b)[A-Za-z_][\w \t*]*?\b([A-Za-z_]\w*)[ \t]*\(/gm;

/** The index just past the `}` that closes the `{` at `open`, or -1. Strings and comments are rare enough at this level to ignore. */
function matchBrace(source: string, open: number, limit: number): number {
  let depth = 0;
  for (let i = open; i < limit; i++) {
    const c = source.charCodeAt(i);
    if (c === 123) depth++;
    else if (c === 125 && --depth === 0) return i + 1;
  }
  return -1;
}

/**
 * The text from `start` to the `}` closing the `{` at `open` (then `tail`), parsed alone with its lines
 * kept: undefined when the brace does not close, no facts when the parse timed out.
 */
function reparseAlone(source: string, rel: string, start: number, open: number, tail: string): { facts?: FileFacts } | undefined {
  const end = matchBrace(source, open, Math.min(source.length, open + 200_000));
  if (end < 0) return undefined;
  let lines = 0;
  for (let i = source.indexOf('\n'); i >= 0 && i < start; i = source.indexOf('\n', i + 1)) lines++;
  const tree = parseTree('\n'.repeat(lines) + source.slice(start, end) + tail);
  return { facts: tree ? extractFacts(tree, rel) : undefined };
}

/**
 * tree-sitter's error recovery sometimes swallows later definitions into an unfinished construct
 * (an unbalanced macro, a `struct {` that never closes). Each function-looking region the first pass
 * missed is parsed again on its own, padded with newlines so its lines keep their numbers.
 */
function recoverMissedFunctions(source: string, rel: string, facts: FileFacts): void {
  const known = new Set(facts.functions.map((f) => f.name));
  for (const d of facts.decls) known.add(d.name);
  let recovered = 0;
  let attempts = 0;
  for (const m of source.matchAll(DEF_START)) {
    if (known.has(m[1]) || attempts >= 200 || /^[A-Z0-9_]+$/.test(m[1])) continue;
    const open = source.indexOf('{', m.index);
    // A prototype or a call (`;` before any `{`) is not a definition.
    if (open < 0 || source.slice(m.index, open).includes(';')) continue;
    const alone = reparseAlone(source, rel, m.index, open, '');
    if (!alone) continue;
    attempts++;
    const part = alone.facts;
    if (!part) continue;
    const fn = part.functions.find((f) => f.name === m[1]);
    if (!fn) continue;
    recovered++;
    known.add(fn.name);
    facts.functions.push(fn);
    const mine = <T extends { from: string }>(xs: T[]): T[] => xs.filter((x) => x.from === fn.name);
    facts.calls.push(...mine(part.calls));
    // An indirect call's arguments name it by its index in `icalls`, which moves here.
    const site = new Map<number, number>();
    part.icalls.forEach((ic, i) => {
      if (ic.from === fn.name) site.set(i, facts.icalls.push(ic) - 1);
    });
    facts.stores.push(...mine(part.stores));
    for (const a of mine(part.args)) facts.args.push(a.site === undefined ? a : { ...a, site: site.get(a.site) });
  }
  if (recovered) facts.notes.push(`${recovered} function(s) recovered by re-parsing them alone after a parse error`);
}

// A line at column 0 that starts a file-scope struct variable with an initializer: `static const struct x_ops y = {`.
const TABLE_START =
  /^(?:static[ \t]+)?(?:const[ \t]+)?(?:struct|union)[ \t]+\w+[ \t]+(?:const[ \t]+)?(\w+)[ \t]*(?:\[[^\]\n]*\][ \t]*)?=[ \t]*\{/gm;

/**
 * The same error recovery for ops tables: a `static const struct seq_operations x = { … };` swallowed
 * by an earlier error loses its stores (`.next = igmp6_mc_seq_next`), though the functions it names
 * were recovered. Each table the first pass did not see is parsed again on its own, its lines kept.
 */
function recoverMissedTables(source: string, rel: string, facts: FileFacts): void {
  const known = new Set(facts.globals.map((g) => g.name));
  let recovered = 0;
  let attempts = 0;
  for (const m of source.matchAll(TABLE_START)) {
    if (known.has(m[1]) || attempts >= 200) continue;
    const open = m.index + m[0].length - 1;
    const alone = reparseAlone(source, rel, m.index, open, ';');
    if (!alone) continue;
    attempts++;
    const part = alone.facts;
    if (!part) continue;
    const table = part.globals.find((g) => g.name === m[1]);
    if (!table) continue;
    recovered++;
    known.add(table.name);
    facts.globals.push(table);
    facts.stores.push(...part.stores.filter((st) => st.from === ''));
    if (part.uses?.length) (facts.uses ??= []).push(...part.uses.filter((u) => u.from === ''));
  }
  if (recovered) facts.notes.push(`${recovered} initialized table(s) recovered by re-parsing them alone after a parse error`);
}

/** The file's `#if` arms and `#include "x.c"` lines, when it has any. */
function addConditionals(facts: FileFacts, text: string): void {
  const { conds, includes } = scanConditionals(text);
  if (conds.length) facts.conds = conds;
  if (includes.length) facts.cIncludes = includes;
}

function factsOf(rel: string, buf: Buffer): FileFacts {
  const { text, utf8 } = decode(buf);
  const notes: string[] = [];
  if (!utf8) notes.push('not valid UTF-8: read as Latin-1');
  if (buf.length > MAX_PARSE_BYTES || isDefineOnly(text)) {
    const facts = emptyFacts(rel);
    facts.lexOnly = true;
    const defines = lexDefines(text);
    // Generated register headers hold tens of thousands of #defines each (454 MB of them in 6.12):
    // keeping every name costs gigabytes for nothing resolution needs. Small ones are kept.
    if (defines.length <= MAX_KEPT_DEFINES) facts.macros = defines.map((d) => ({ name: d.name, line: d.line, fnLike: d.fnLike }));
    else notes.push(`${defines.length} #defines lexed, not kept (a generated header)`);
    if (buf.length > MAX_PARSE_BYTES)
      notes.push(`${megabytes(buf.length)}: over the ${megabytes(MAX_PARSE_BYTES)} parse limit, only its #defines were indexed`);
    else addConditionals(facts, text); // which #define a configuration takes (INDIRECT_CALL_INET's arms)
    facts.notes.push(...notes);
    return facts;
  }
  try {
    const source = blankNumberLists(blankAnnotations(text));
    const root = parseTree(source);
    if (!root) throw new Error('parse timed out');
    const facts = extractFacts(root, rel, parseTree);
    if (root.hasError) {
      recoverMissedFunctions(source, rel, facts);
      recoverMissedTables(source, rel, facts);
    }
    addConditionals(facts, text);
    facts.notes.unshift(...notes);
    return facts;
  } catch (e) {
    const facts = emptyFacts(rel);
    facts.notes.push(...notes, `not parsed: ${(e as Error).message}`);
    return facts;
  }
}
