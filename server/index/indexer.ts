// Build (or refresh) the index of a tree: scan, reuse what the cache holds for unchanged files,
// parse the rest on the worker pool, save the cache. Files join the index as they are parsed, so
// a caller (the language server) can answer from a partial index while this runs.
import * as path from 'node:path';
import { flowCacheFile, flowsKey, loadFlows, saveFlows } from './flowCache';
import { KernelIndex } from './kernelIndex';
import { scanTree, type SourceFile } from './scan';
import { inScope, resolveScope, scopeKey } from './scopeKey';
import { filesStoringInto, neededFields } from './outsideStores';
import type { FileFacts } from '../parse/facts';
import {
  type LineParts,
  CacheWriter,
  cacheDirFor,
  cacheFile,
  decodeParts,
  encodeParts,
  loadCache,
  removeStaleTemporaries,
  type CachedFile,
} from './cache';
import { parseAll, type PoolProgress } from '../parse/pool';
import { fileProblem, hashOnDisk } from '../parse/parseFile';
import { statSync } from 'node:fs';
import { collectGarbage } from '../collectGarbage';

export interface IndexOptions {
  /** Folders to index, relative to the root; [] or ['*'] = the whole tree; ['net'] = NET_SCOPE. */
  include?: string[];
  exclude?: string[];
  cacheDir?: string;
  /** Skip the cache entirely (benchmarks of a cold start). */
  noCache?: boolean;
  threads?: number;
  onProgress?: (p: {
    phase: 'scan' | 'cache' | 'parse' | 'outside' | 'save' | 'done';
    done: number;
    total: number;
    message?: string;
  }) => void;
  /** Called with human-readable problems (files not read or not parsed, a damaged cache, not a kernel tree). */
  onProblem?: (msg: string) => void;
  /** An existing index to fill (the language server keeps one and answers from it while it grows). */
  into?: KernelIndex;
  /**
   * Also index the .c files outside the scope that store into fields the scope calls through and
   * fills nowhere (outsideStores.ts). Default true; looked for again whenever the scope changed.
   */
  outside?: boolean;
}

export interface IndexReport {
  index: KernelIndex;
  files: number;
  /** Files outside the scope indexed for their stores (included in `files`). */
  outsideFiles: number;
  parsed: number;
  fromCache: number;
  bytesParsed: number;
  cacheStatus: string;
  problems: string[];
  /** `outside`: finding and parsing the files outside the scope that store into its fields. */
  ms: { scan: number; cache: number; parse: number; outside: number; save: number; total: number };
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
  const inside = (rel: string): boolean => inScope(rel, include, exclude);
  const kept = new Map<string, CachedFile>();
  const toParse: SourceFile[] = [];
  let done = 0;
  const keepOrParse = (f: SourceFile): void => {
    const c = cached.get(f.rel);
    if (c && c.size === f.size && c.mtimeMs === f.mtimeMs) {
      kept.set(f.rel, c);
      return;
    }
    if (c && c.size === f.size) {
      // Same size, new mtime (a checkout, a touch): the content hash decides.
      // Unreadable now (gone, a FIFO, over the size limit): parsing says why.
      if (hashOnDisk(absRoot, f.rel) === c.hash) {
        kept.set(f.rel, { ...c, mtimeMs: f.mtimeMs });
        return;
      }
    }
    toParse.push(f);
  };
  for (const f of scan.files) keepOrParse(f);
  // Files the cache holds from outside the scope were indexed for their stores: kept while they
  // are unchanged (a file gone is dropped). Whether they are still the ones needed is asked again
  // only when the scope changed (or the cache was written without asking).
  const lookOutside = opts.outside !== false && include.length > 0;
  const walkOutside = lookOutside && (toParse.length > 0 || !cache.ok || !cache.outside);
  if (lookOutside)
    for (const c of cached.values()) {
      if (inside(c.rel)) continue;
      const st = statOrUndefined(path.join(absRoot, c.rel));
      if (st) keepOrParse({ rel: c.rel, size: st.size, mtimeMs: st.mtimeMs });
    }
  for (const c of kept.values()) {
    if (!inside(c.rel)) index.outside.add(c.rel);
    index.setFile(c.facts);
    // A file cached as not parsed (50,000 nested #if) is still a problem of every run that keeps it.
    const why = fileProblem(c.facts);
    if (why) problem(why);
    if (++done % 2000 === 0) opts.onProgress?.({ phase: 'cache', done, total: scan.files.length });
  }
  const t2 = performance.now();

  // The new cache is written while files are parsed: kept files first, then each parsed one as it
  // arrives. Files that vanished since the cache was written are simply not kept.
  const changed = toParse.length > 0 || kept.size !== cached.size || walkOutside;
  let writer: CacheWriter | undefined;
  const writeFailed = (e: unknown): void => {
    problem(`could not write the index cache ${cachePath}: ${(e as Error).message}`);
    writer?.abandon();
    writer = undefined;
  };
  if (changed && !opts.noCache) {
    try {
      writer = new CacheWriter(cachePath, lookOutside);
      for (const c of kept.values()) if (inside(c.rel)) writer.add(encodeParts(c), c.facts);
    } catch (e) {
      writeFailed(e);
    }
  }

  let bytesParsed = 0;
  // Whether the index holds exactly what the cache holds (an unreadable file is held, not cached).
  let allCached = true;
  // Files from outside the scope are written last, once the walk below has said which stay.
  const outsideLines = new Map<string, [LineParts, FileFacts]>();
  for (const c of kept.values()) if (!inside(c.rel)) outsideLines.set(c.rel, [encodeParts(c), c.facts]);
  const took = (line: LineParts): void => {
    const r = decodeParts(line);
    const outside = !inside(r.facts.path);
    if (outside) index.outside.add(r.facts.path);
    index.setFile(r.facts);
    if (!r.hash) allCached = false;
    else if (outside) outsideLines.set(r.facts.path, [line, r.facts]);
    else
      try {
        writer?.add(line, r.facts);
      } catch (e) {
        writeFailed(e);
      }
    const why = fileProblem(r.facts);
    if (why) problem(why);
    bytesParsed += r.size;
  };
  await parseAll(
    absRoot,
    toParse,
    took,
    (p: PoolProgress) => opts.onProgress?.({ phase: 'parse', done: done + p.done, total: scan.files.length }),
    opts.threads,
  );
  // A changed scope may call through other fields, or fill some it did not: ask which files outside
  // it store into the fields it calls through and fills nowhere, and hold exactly those.
  let outsideParsed = 0;
  const tOutside = performance.now();
  if (walkOutside) {
    opts.onProgress?.({ phase: 'outside', done: 0, total: 0, message: 'looking for stores outside the scope' });
    const wanted = filesStoringInto(absRoot, neededFields(index), inside);
    const want = new Set(wanted);
    for (const rel of [...index.outside]) if (!want.has(rel)) index.removeFile(rel);
    const fresh: SourceFile[] = [];
    for (const rel of wanted) {
      if (index.files.has(rel)) continue;
      const st = statOrUndefined(path.join(absRoot, rel));
      if (st) fresh.push({ rel, size: st.size, mtimeMs: st.mtimeMs });
    }
    outsideParsed = fresh.length;
    await parseAll(
      absRoot,
      fresh,
      took,
      (p: PoolProgress) =>
        opts.onProgress?.({
          phase: 'outside',
          done: p.done,
          total: fresh.length,
          message: `stores outside the scope: ${p.done}/${fresh.length} files`,
        }),
      opts.threads,
    );
  }
  for (const [rel, [line, facts]] of outsideLines)
    if (index.outside.has(rel))
      try {
        writer?.add(line, facts);
      } catch (e) {
        writeFailed(e);
      }
  const t3 = performance.now();
  const outsideMs = t3 - tOutside;

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
    outsideFiles: index.outside.size,
    parsed: toParse.length + outsideParsed,
    fromCache: kept.size,
    bytesParsed,
    cacheStatus,
    problems,
    ms: { scan: t1 - t0, cache: t2 - t1, parse: tOutside - t2, outside: outsideMs, save: t4 - t3, total: t4 - t0 },
  };
}

function statOrUndefined(file: string): { size: number; mtimeMs: number } | undefined {
  try {
    const st = statSync(file);
    return st.isFile() ? st : undefined;
  } catch {
    return undefined;
  }
}
