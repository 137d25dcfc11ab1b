// Build (or refresh) the index of a tree: scan, reuse what the cache holds for unchanged files,
// parse the rest on the worker pool, save the cache. Files join the index as they are parsed, so
// a caller (the language server) can answer from a partial index while this runs.
import * as path from 'node:path';
import { flowCacheFile, flowsKey, loadFlows, saveFlows } from './flowCache';
import { KernelIndex } from './kernelIndex';
import { scanTree, type SourceFile } from './scan';
import { resolveScope, scopeKey } from './scopeKey';
import { CacheWriter, cacheDirFor, cacheFile, decodeParts, encodeParts, loadCache, removeStaleTemporaries, type CachedFile } from './cache';
import { parseAll, type PoolProgress } from '../parse/pool';
import { fileProblem, hashOnDisk } from '../parse/parseFile';
import { collectGarbage } from '../collectGarbage';

export interface IndexOptions {
  /** Folders to index, relative to the root; [] or ['*'] = the whole tree; ['net'] = NET_SCOPE. */
  include?: string[];
  exclude?: string[];
  cacheDir?: string;
  /** Skip the cache entirely (benchmarks of a cold start). */
  noCache?: boolean;
  threads?: number;
  onProgress?: (p: { phase: 'scan' | 'cache' | 'parse' | 'save' | 'done'; done: number; total: number; message?: string }) => void;
  /** Called with human-readable problems (files not read or not parsed, a damaged cache, not a kernel tree). */
  onProblem?: (msg: string) => void;
  /** An existing index to fill (the language server keeps one and answers from it while it grows). */
  into?: KernelIndex;
}

export interface IndexReport {
  index: KernelIndex;
  files: number;
  parsed: number;
  fromCache: number;
  bytesParsed: number;
  cacheStatus: string;
  problems: string[];
  ms: { scan: number; cache: number; parse: number; save: number; total: number };
}

export { resolveScope, scopeKey } from './scopeKey';

/** After parsing this many files, a full collection pays for itself in peak memory. */
const BIG_PARSE = 5000;

export async function buildIndex(root: string, opts: IndexOptions = {}): Promise<IndexReport> {
  const t0 = performance.now();
  const absRoot = path.resolve(root);
  const include = resolveScope(opts.include);
  const exclude = opts.exclude ?? [];
  const problems: string[] = [];
  const problem = (m: string): void => {
    problems.push(m);
    opts.onProblem?.(m);
  };
  // Before any work: an unusable cache folder (empty, under /proc) is the caller's error to fix.
  const cacheDir = opts.noCache ? undefined : cacheDirFor(absRoot, opts.cacheDir);
  opts.onProgress?.({ phase: 'scan', done: 0, total: 0 });

  const scan = scanTree(absRoot, include, exclude);
  if (!scan.looksLikeKernel)
    problem(
      `${absRoot} does not look like a Linux kernel tree (no Kbuild/Kconfig/MAINTAINERS with include/linux): indexing its C files anyway`,
    );
  for (const p of scan.problems) problem(p);
  const t1 = performance.now();

  const cachePath = cacheDir !== undefined ? cacheFile(cacheDir, scopeKey(include, exclude)) : '';
  if (cacheDir !== undefined) removeStaleTemporaries(cacheDir);
  const cache = cacheDir === undefined ? { ok: false as const, reason: 'cache disabled' } : loadCache(cachePath);
  let cacheStatus = cache.ok ? 'loaded' : cache.reason;
  if (!cache.ok && !/no cache yet|disabled/.test(cache.reason)) problem(`index cache not used: ${cache.reason}; rebuilding it`);
  const cached = cache.ok ? cache.files : new Map<string, CachedFile>();

  const index = opts.into ?? new KernelIndex(absRoot);
  const kept = new Map<string, CachedFile>();
  const toParse: SourceFile[] = [];
  let done = 0;
  for (const f of scan.files) {
    const c = cached.get(f.rel);
    if (c && c.size === f.size && c.mtimeMs === f.mtimeMs) {
      kept.set(f.rel, c);
      continue;
    }
    if (c && c.size === f.size) {
      // Same size, new mtime (a checkout, a touch): the content hash decides.
      // Unreadable now (gone, a FIFO, over the size limit): parsing says why.
      if (hashOnDisk(absRoot, f.rel) === c.hash) {
        kept.set(f.rel, { ...c, mtimeMs: f.mtimeMs });
        continue;
      }
    }
    toParse.push(f);
  }
  for (const c of kept.values()) {
    index.setFile(c.facts);
    // A file cached as not parsed (50,000 nested #if) is still a problem of every run that keeps it.
    const why = fileProblem(c.facts);
    if (why) problem(why);
    if (++done % 2000 === 0) opts.onProgress?.({ phase: 'cache', done, total: scan.files.length });
  }
  const t2 = performance.now();

  // The new cache is written while files are parsed: kept files first, then each parsed one as it
  // arrives. Files that vanished since the cache was written are simply not kept.
  const changed = toParse.length > 0 || kept.size !== cached.size;
  let writer: CacheWriter | undefined;
  const writeFailed = (e: unknown): void => {
    problem(`could not write the index cache ${cachePath}: ${(e as Error).message}`);
    writer?.abandon();
    writer = undefined;
  };
  if (changed && !opts.noCache) {
    try {
      writer = new CacheWriter(cachePath);
      for (const c of kept.values()) writer.add(encodeParts(c), c.facts);
    } catch (e) {
      writeFailed(e);
    }
  }

  let bytesParsed = 0;
  // Whether the index holds exactly what the cache holds (an unreadable file is held, not cached).
  let allCached = true;
  await parseAll(
    absRoot,
    toParse,
    (line) => {
      const r = decodeParts(line);
      index.setFile(r.facts);
      if (r.hash) {
        try {
          writer?.add(line, r.facts);
        } catch (e) {
          writeFailed(e);
        }
      } else allCached = false;
      const why = fileProblem(r.facts);
      if (why) problem(why);
      bytesParsed += r.size;
    },
    (p: PoolProgress) => opts.onProgress?.({ phase: 'parse', done: done + p.done, total: scan.files.length }),
    opts.threads,
  );
  const t3 = performance.now();

  let cacheSha1 = cache.ok && !changed ? cache.sha1 : undefined;
  if (writer) {
    opts.onProgress?.({ phase: 'save', done: scan.files.length, total: scan.files.length });
    try {
      cacheSha1 = writer.commit();
      cacheStatus = cache.ok ? `updated (${toParse.length} files re-indexed)` : `written (${cacheStatus})`;
    } catch (e) {
      writeFailed(e);
    }
  }
  // Saved flows are taken when they match; they are saved by a run that loaded the cache as it was,
  // not by the run that wrote it: that one is long already (3 s more for the whole tree).
  const key = cacheSha1 && allCached ? flowsKey(cacheSha1) : undefined;
  if (key) {
    const file = flowCacheFile(cachePath);
    const saved = loadFlows(file, key, (reason) => problem(`saved flows ${file} not used: ${reason}; resolving again`));
    index.useSavedFlows(
      saved,
      changed
        ? undefined
        : (flows) => {
            try {
              saveFlows(file, key, flows);
            } catch (e) {
              problem(`could not save the resolved flows ${file}: ${(e as Error).message}`);
            }
          },
    );
  }
  // Indexing leaves gigabytes of garbage (every file's text and parse) that V8 would let the heap
  // carry into resolution; collected here, the whole tree's peak RSS is 2.3 -> 2.1 GB, for about a second.
  if (toParse.length >= BIG_PARSE) collectGarbage();
  const t4 = performance.now();
  opts.onProgress?.({ phase: 'done', done: scan.files.length, total: scan.files.length });
  return {
    index,
    files: scan.files.length,
    parsed: toParse.length,
    fromCache: scan.files.length - toParse.length,
    bytesParsed,
    cacheStatus,
    problems,
    ms: { scan: t1 - t0, cache: t2 - t1, parse: t3 - t2, save: t4 - t3, total: t4 - t0 },
  };
}
