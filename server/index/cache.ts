// The on-disk index cache: one file per tree, JSON lines, keyed by path and content hash.
// Layout: a header line, one line per source file, and a trailer line that holds the line count
// and a SHA-1 of everything before it. Any mismatch (truncated write, hand edit, older format)
// means the cache is not trusted: the caller rebuilds and overwrites it.
import { createHash } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { FileFacts } from '../parse/facts';

/** Bump when facts or extraction change shape or meaning: old caches are then rebuilt. */
export const CACHE_FORMAT = 12;

export interface CachedFile { rel: string; size: number; mtimeMs: number; hash: string; facts: FileFacts }

export function defaultCacheDir(root: string): string {
  const base = process.env.KPATH_CACHE_DIR ?? path.join(os.homedir(), '.cache', 'kpath', 'index');
  const id = createHash('sha1').update(path.resolve(root)).digest('hex').slice(0, 12);
  return path.join(base, `${path.basename(path.resolve(root))}-${id}`);
}

export function cacheFile(dir: string, scopeKey: string): string {
  return path.join(dir, `index-${scopeKey}.jsonl`);
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
      const line = buf.subarray(pos, nl).toString('utf8');
      pos = nl + 1;
      if (lineNo++ === 0) {
        const header = JSON.parse(line) as { magic?: string; format?: number };
        if (header.magic !== 'kpath-index' || header.format !== CACHE_FORMAT) return { ok: false, reason: `cache format ${header.format ?? '?'} is not ${CACHE_FORMAT}` };
        continue;
      }
      const f = JSON.parse(line) as CachedFile;
      files.set(f.rel, f);
    }
    if (lineNo - 1 !== trailer.lines) return { ok: false, reason: 'cache line count mismatch' };
    return { ok: true, files };
  } catch (e) {
    return { ok: false, reason: `cache unreadable as JSON (${(e as Error).message})` };
  }
}

/** Write atomically: a crash mid-write leaves the old cache (or none), never half of one. */
export function saveCache(file: string, files: Iterable<CachedFile>): void {
  mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  const fd = openSync(tmp, 'w');
  const hash = createHash('sha1');
  let lines = 0;
  const pending: string[] = [];
  let pendingBytes = 0;
  const flush = (): void => {
    const chunk = Buffer.from(pending.join(''), 'utf8');
    hash.update(chunk);
    writeSync(fd, chunk);
    pending.length = 0;
    pendingBytes = 0;
  };
  const write = (line: string): void => {
    pending.push(line, '\n');
    pendingBytes += line.length;
    if (pendingBytes > 8 * 1024 * 1024) flush();
  };
  try {
    write(JSON.stringify({ magic: 'kpath-index', format: CACHE_FORMAT, written: new Date().toISOString() }));
    for (const f of files) { write(JSON.stringify(f)); lines++; }
    flush();
    writeSync(fd, JSON.stringify({ end: true, lines, sha1: hash.digest('hex') }) + '\n');
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, file);
}
