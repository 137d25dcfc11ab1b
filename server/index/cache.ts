// The on-disk index cache: one file per tree, JSON lines, keyed by path and content hash.
// Layout: a header line, one line per source file, and a trailer line that holds the line count
// and a SHA-1 of everything before it. Any mismatch (truncated write, hand edit, older format)
// means the cache is not trusted: the caller rebuilds and overwrites it.
// A file's line is `<facts>\t<packed calls>\t<signatures, parameters and plain macros>`, the facts
// as positional arrays (compactHead.ts); the last two parts are kept as text and read only when a
// query first needs them (a warm start never does).
import { createHash } from 'node:crypto';
import { constants as bufferLimits } from 'node:buffer';
import { existsSync, mkdirSync, openSync, readdirSync, renameSync, rmSync, writeSync } from 'node:fs';
import * as path from 'node:path';
import type { FileFacts } from '../parse/facts';
import { joinFacts, splitFacts, unreadPartsAt } from './lazyFacts';
import { OpenFile, openRegular, type LazyText } from './fileSlice';
import { packHead, unpackHead } from './compactHead';
import { pidAlive } from '../pidAlive';
import { fingerprintOf } from './sourceFingerprint';

/** The layout of a line, for a person reading the header; what decides is the fingerprint of the extraction's sources. */
export const CACHE_FORMAT = 22;

declare const KPATH_FACTS_FINGERPRINT: string | undefined;

/** A hash of the sources that compute and encode facts (sourceFingerprint.ts): baked into bundles, else read from the checkout. */
export function factsFingerprint(): string {
  if (typeof KPATH_FACTS_FINGERPRINT === 'string') return KPATH_FACTS_FINGERPRINT;
  return fingerprintOf(path.join(__dirname, '..', '..'), 'facts');
}

export interface CachedFile {
  rel: string;
  size: number;
  mtimeMs: number;
  hash: string;
  facts: FileFacts;
}

import { CacheDirError } from './cacheDir';
export { CacheDirError, cacheDirFor, cacheFile, checkCacheDir, defaultCacheDir } from './cacheDir';

/**
 * `mkdir -p` that cannot spin: each missing folder is made once, from the deepest existing one
 * down. (Node's recursive mkdir retries for ever where mkdir says ENOENT under an existing parent,
 * as it does under /proc.)
 */
export function makeFolder(dir: string): void {
  const missing: string[] = [];
  for (let d = path.resolve(dir); !existsSync(d); d = path.dirname(d)) {
    missing.push(d);
    if (path.dirname(d) === d) break;
  }
  for (const d of missing.reverse()) {
    try {
      mkdirSync(d);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST')
        throw new CacheDirError(`cannot create the folder ${d} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
    }
  }
}

/** Our temporaries: a cache or flows file being written by process <pid> (CacheWriter, saveFlows). */
const TEMPORARY = /^index-\w+\.(?:jsonl|flows\.json)\.(\d+)\.tmp$/;

/**
 * Remove the temporaries left in a cache folder by writers that died (kill -9, a crash, power):
 * a cold index of the whole tree leaves up to 200 MB each time. Those of a live process are its
 * own, being written. Returns the names removed.
 */
export function removeStaleTemporaries(dir: string): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const name of names) {
    const m = TEMPORARY.exec(name);
    if (!m || pidAlive(Number(m[1]))) continue;
    try {
      rmSync(path.join(dir, name), { force: true });
      removed.push(name);
    } catch {
      /* someone else's to remove */
    }
  }
  return removed;
}

/**
 * One file's cache line in its three parts, `<head>\t<calls>\t<extras>` once joined (see
 * lazyFacts.ts). Parser threads send the parts apart: a part sliced out of a joined line would keep
 * the whole line alive in memory for as long as the part stays unread (V8 slices share their parent).
 */
export type LineParts = [head: string, calls: string, extras: string];

export function encodeParts(f: CachedFile): LineParts {
  const { head, calls, callCount, extras } = splitFacts(f.facts);
  return [
    JSON.stringify({ rel: f.rel, size: f.size, mtimeMs: f.mtimeMs, hash: f.hash, calls: callCount, facts: packHead(head) }),
    calls,
    extras,
  ];
}

/** The inverse of encodeParts; calls, signatures, parameters and plain macros stay text until read. */
export function decodeParts([headText, calls, extras]: [string, LazyText, LazyText]): CachedFile {
  const head = JSON.parse(headText) as Omit<CachedFile, 'facts'> & { calls: number; facts: unknown[] };
  const facts = joinFacts(unpackHead(head.facts) as FileFacts, calls, head.calls, extras);
  return { rel: head.rel, size: head.size, mtimeMs: head.mtimeMs, hash: head.hash, facts };
}

/** `outside`: the cache holds the files outside the scope that store into its fields (outsideStores.ts). */
export type CacheLoad = { ok: true; files: Map<string, CachedFile>; sha1: string; outside: boolean } | { ok: false; reason: string };

/** A cache larger than this is not read: a Buffer cannot hold it (the whole tree's is about 1 GB). */
const MAX_CACHE_BYTES = Math.min(bufferLimits.MAX_LENGTH, 4 * 2 ** 30);

export function loadCache(file: string): CacheLoad {
  let buf: Buffer;
  let open: OpenFile;
  try {
    // Read through a descriptor that stays open: the unread parts are read from it later.
    const f = openRegular(file, MAX_CACHE_BYTES);
    open = f.file;
    buf = open.head(f.size);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { ok: false, reason: 'no cache yet' };
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
    let outside = false;
    while (pos < trailerStart) {
      const nl = buf.indexOf(10, pos);
      if (lineNo++ === 0) {
        const header = JSON.parse(buf.toString('utf8', pos, nl)) as { magic?: string; format?: number; facts?: string; outside?: boolean };
        pos = nl + 1;
        outside = header.outside === true;
        if (header.magic !== 'kpath-index' || header.format !== CACHE_FORMAT)
          return { ok: false, reason: `cache format ${header.format ?? '?'} is not ${CACHE_FORMAT}` };
        if (header.facts !== factsFingerprint()) return { ok: false, reason: 'cache written by other extraction code' };
        continue;
      }
      // Only the head is parsed now; the other two parts stay in the file.
      const tab1 = buf.indexOf(9, pos);
      const tab2 = tab1 < 0 ? -1 : buf.indexOf(9, tab1 + 1);
      if (tab1 < 0 || tab2 < 0 || tab2 > nl) throw new Error(`line ${lineNo} lacks its calls or extras`);
      const f = decodeParts([
        buf.toString('utf8', pos, tab1),
        { file: open, offset: tab1 + 1, length: tab2 - tab1 - 1 },
        { file: open, offset: tab2 + 1, length: nl - tab2 - 1 },
      ]);
      pos = nl + 1;
      files.set(f.rel, f);
    }
    if (lineNo - 1 !== trailer.lines) return { ok: false, reason: 'cache line count mismatch' };
    return { ok: true, files, sha1, outside };
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
  private readonly file: OpenFile;
  private readonly hash = createHash('sha1');
  private lines = 0;
  private written = 0;
  private pending: string[] = [];
  /** Lines waiting in `pending` whose facts move their unread parts to the file once written. */
  private owners: { at: number; parts: LineParts; facts: FileFacts }[] = [];
  private pendingChars = 0;

  /** `outside`: whether the cache will hold the files outside the scope that its fields need (see CacheLoad). */
  constructor(
    private readonly target: string,
    outside = false,
  ) {
    makeFolder(path.dirname(target));
    this.tmp = `${target}.${process.pid}.tmp`;
    // Opened for reading too: facts read their unread parts back from it (see fileSlice.ts).
    this.file = new OpenFile(openSync(this.tmp, 'w+'));
    this.write(
      JSON.stringify({
        magic: 'kpath-index',
        format: CACHE_FORMAT,
        facts: factsFingerprint(),
        written: new Date().toISOString(),
        ...(outside ? { outside } : {}),
      }),
    );
  }

  /** Append a file's line; `facts` (those the line was made from) then read their unread parts from the cache. */
  add(line: LineParts, facts?: FileFacts): void {
    if (facts) this.owners.push({ at: this.pending.length, parts: line, facts });
    this.write(line.join('\t'));
    this.lines++;
  }

  /** Put the cache in place; returns its checksum. */
  commit(): string {
    this.flush();
    const sha1 = this.hash.digest('hex');
    const trailer = Buffer.from(JSON.stringify({ end: true, lines: this.lines, sha1 }) + '\n');
    writeSync(this.file.fd, trailer, 0, trailer.length, this.written);
    renameSync(this.tmp, this.target);
    return sha1;
  }

  abandon(): void {
    // Facts already pointing into the file keep reading it: the descriptor outlives the name.
    try {
      rmSync(this.tmp, { force: true });
    } catch {
      /* nothing to clean */
    }
  }

  private write(line: string): void {
    this.pending.push(line, '\n');
    this.pendingChars += line.length;
    if (this.pendingChars > 8 * 1024 * 1024) this.flush();
  }

  private flush(): void {
    const chunk = Buffer.from(this.pending.join(''), 'utf8');
    this.hash.update(chunk);
    for (let got = 0; got < chunk.length;) got += writeSync(this.file.fd, chunk, got, chunk.length - got, this.written + got);
    // Only now, written, can the unread parts be dropped from memory.
    let offset = this.written;
    let line = 0;
    for (const o of this.owners) {
      for (; line < o.at; line++) offset += Buffer.byteLength(this.pending[line]);
      // The owner's line is measured by its parts, not again as the joined string.
      const [head, calls, extras] = o.parts;
      const callsAt = offset + Buffer.byteLength(head) + 1;
      const callsLength = Buffer.byteLength(calls);
      const extrasAt = callsAt + callsLength + 1;
      const extrasLength = Buffer.byteLength(extras);
      unreadPartsAt(
        o.facts,
        { file: this.file, offset: callsAt, length: callsLength },
        { file: this.file, offset: extrasAt, length: extrasLength },
      );
      offset = extrasAt + extrasLength;
      line = o.at + 1;
    }
    this.written += chunk.length;
    this.pending = [];
    this.owners = [];
    this.pendingChars = 0;
  }
}
