// The on-disk index cache: one file per tree, JSON lines, keyed by path and content hash.
// Layout: a header line, one line per source file, and a trailer line that holds the line count
// and a SHA-1 of everything before it. Any mismatch (truncated write, hand edit, older format)
// means the cache is not trusted: the caller rebuilds and overwrites it.
// A file's line is `<facts without calls>\t<packed calls>`: the calls part is kept as text and
// read only when a query first needs that file's calls (most of a warm start never does).
import { createHash } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { packCalls, unpackCalls, type FileFacts, type PackedCalls } from '../parse/facts';

/** Bump when facts or extraction change shape or meaning: old caches are then rebuilt. */
export const CACHE_FORMAT = 13;

export interface CachedFile { rel: string; size: number; mtimeMs: number; hash: string; facts: FileFacts }

export function defaultCacheDir(root: string): string {
  const base = process.env.KPATH_CACHE_DIR ?? path.join(os.homedir(), '.cache', 'kpath', 'index');
  const id = createHash('sha1').update(path.resolve(root)).digest('hex').slice(0, 12);
  return path.join(base, `${path.basename(path.resolve(root))}-${id}`);
}

export function cacheFile(dir: string, scopeKey: string): string {
  return path.join(dir, `index-${scopeKey}.jsonl`);
}

/** Calls of cached files not read yet: their packed JSON text and how many there are. */
const unread = new WeakMap<FileFacts, { raw: string; count: number }>();
/** One copy of each call name across all files read lazily (millions of call sites share them). */
const callNames = new Map<string, string>();
const internName = (s: string): string => { const v = callNames.get(s); if (v !== undefined) return v; callNames.set(s, s); return s; };

function setCalls(facts: FileFacts, calls: FileFacts['calls']): void {
  Object.defineProperty(facts, 'calls', { value: calls, writable: true, enumerable: true, configurable: true });
  unread.delete(facts);
}

/** Give `facts` a `calls` property that unpacks `raw` on first read. */
function lazyCalls(facts: FileFacts, raw: string, count: number): void {
  unread.set(facts, { raw, count });
  // Enumerable, so that a copy (`{ ...facts }`) reads them rather than silently losing them.
  Object.defineProperty(facts, 'calls', {
    enumerable: true,
    configurable: true,
    get(this: FileFacts) {
      const calls = unpackCalls(JSON.parse(unread.get(this)!.raw) as PackedCalls, internName);
      setCalls(this, calls);
      return calls;
    },
    set(this: FileFacts, calls: FileFacts['calls']) { setCalls(this, calls); },
  });
}

/** True while a file's calls are still packed text (so nobody needs to intern them). */
export function callsUnread(facts: FileFacts): boolean {
  return unread.has(facts);
}

/** How many direct calls a file makes, without unpacking them. */
export function callCount(facts: FileFacts): number {
  return unread.get(facts)?.count ?? facts.calls.length;
}

/** One cache line for one file (no newline). Unread calls are written back as the text they came as. */
export function encodeLine(f: CachedFile): string {
  const pending = unread.get(f.facts);
  const calls = pending ? pending.raw : JSON.stringify(packCalls(f.facts.calls));
  const count = pending ? pending.count : f.facts.calls.length;
  return `${JSON.stringify({ rel: f.rel, size: f.size, mtimeMs: f.mtimeMs, hash: f.hash, calls: count, facts: withoutCalls(f.facts) })}\t${calls}`;
}

/** Every part of the facts but the calls, named one by one: touching `calls` would unpack them. */
function withoutCalls(f: FileFacts): Omit<FileFacts, 'calls'> {
  return {
    path: f.path, functions: f.functions, decls: f.decls, structs: f.structs, typedefs: f.typedefs, globals: f.globals,
    macros: f.macros, icalls: f.icalls, stores: f.stores, args: f.args, notes: f.notes, lexOnly: f.lexOnly,
  };
}

/** The inverse of encodeLine; calls stay packed until read. */
export function decodeLine(line: string): CachedFile {
  const tab = line.indexOf('\t');
  if (tab < 0) throw new Error('cache line without calls');
  return fromParts(line.slice(0, tab), line.slice(tab + 1));
}

function fromParts(headText: string, callsText: string): CachedFile {
  const head = JSON.parse(headText) as CachedFile & { calls: number };
  lazyCalls(head.facts, callsText, head.calls);
  return { rel: head.rel, size: head.size, mtimeMs: head.mtimeMs, hash: head.hash, facts: head.facts };
}

export type CacheLoad =
  | { ok: true; files: Map<string, CachedFile> }
  | { ok: false; reason: string };

export function loadCache(file: string): CacheLoad {
  if (!existsSync(file)) return { ok: false, reason: 'no cache yet' };
  let buf: Buffer;
  try {
    buf = readFileSync(file);
  } catch (e) {
    return { ok: false, reason: `unreadable cache (${(e as Error).message})` };
  }
  // Work on the Buffer, line by line: a whole-tree cache is larger than V8's longest string.
  const end = buf.length > 0 && buf[buf.length - 1] === 10 ? buf.length - 1 : buf.length;
  const trailerStart = buf.lastIndexOf(10, end - 1) + 1;
  try {
    const trailer = JSON.parse(buf.subarray(trailerStart, end).toString('utf8')) as { end?: boolean; lines?: number; sha1?: string };
    if (!trailer.end) return { ok: false, reason: 'cache is truncated (no trailer)' };
    const sha1 = createHash('sha1').update(buf.subarray(0, trailerStart)).digest('hex');
    if (sha1 !== trailer.sha1) return { ok: false, reason: 'cache checksum mismatch (corrupt or edited)' };
    const files = new Map<string, CachedFile>();
    let pos = 0;
    let lineNo = 0;
    while (pos < trailerStart) {
      const nl = buf.indexOf(10, pos);
      if (lineNo++ === 0) {
        const header = JSON.parse(buf.toString('utf8', pos, nl)) as { magic?: string; format?: number };
        pos = nl + 1;
        if (header.magic !== 'kpath-index' || header.format !== CACHE_FORMAT) return { ok: false, reason: `cache format ${header.format ?? '?'} is not ${CACHE_FORMAT}` };
        continue;
      }
      // Split on the Buffer: only the head is decoded and parsed now.
      const tab = buf.indexOf(9, pos);
      if (tab < 0 || tab > nl) throw new Error(`line ${lineNo} has no calls part`);
      const f = fromParts(buf.toString('utf8', pos, tab), buf.toString('utf8', tab + 1, nl));
      pos = nl + 1;
      files.set(f.rel, f);
    }
    if (lineNo - 1 !== trailer.lines) return { ok: false, reason: 'cache line count mismatch' };
    return { ok: true, files };
  } catch (e) {
    return { ok: false, reason: `cache unreadable as JSON (${(e as Error).message})` };
  }
}

/**
 * Writes a cache atomically, line by line as files are indexed: a crash mid-write leaves the old
 * cache (or none), never half of one. Lines arrive already encoded (parser threads encode them).
 */
export class CacheWriter {
  private readonly tmp: string;
  private readonly fd: number;
  private readonly hash = createHash('sha1');
  private lines = 0;
  private pending: string[] = [];
  private pendingBytes = 0;

  constructor(private readonly file: string) {
    mkdirSync(path.dirname(file), { recursive: true });
    this.tmp = `${file}.${process.pid}.tmp`;
    this.fd = openSync(this.tmp, 'w');
    this.write(JSON.stringify({ magic: 'kpath-index', format: CACHE_FORMAT, written: new Date().toISOString() }));
  }

  add(line: string): void {
    this.write(line);
    this.lines++;
  }

  commit(): void {
    try {
      this.flush();
      writeSync(this.fd, JSON.stringify({ end: true, lines: this.lines, sha1: this.hash.digest('hex') }) + '\n');
    } finally {
      closeSync(this.fd);
    }
    renameSync(this.tmp, this.file);
  }

  abandon(): void {
    try { closeSync(this.fd); } catch { /* already closed */ }
    try { rmSync(this.tmp, { force: true }); } catch { /* nothing to clean */ }
  }

  private write(line: string): void {
    this.pending.push(line, '\n');
    this.pendingBytes += line.length;
    if (this.pendingBytes > 8 * 1024 * 1024) this.flush();
  }

  private flush(): void {
    const chunk = Buffer.from(this.pending.join(''), 'utf8');
    this.hash.update(chunk);
    writeSync(this.fd, chunk);
    this.pending = [];
    this.pendingBytes = 0;
  }
}
