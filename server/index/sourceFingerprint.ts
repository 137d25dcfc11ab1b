// What a cache depends on, found rather than listed: the import closure of the modules that compute
// it (type-only imports too: a field added to Evidence changes what is saved), the versions of the
// packages they import (tree-sitter-c decides the trees), and the non-TypeScript sources they load.
// esbuild.mjs bakes each fingerprint into the bundles at build time; run from the sources (tests),
// the same function reads the checkout. No imports beyond node's: esbuild.mjs loads this file alone.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';

/** What each cache is computed by: its root modules (relative to the repository) and other sources they load. */
export const CACHE_SOURCES = {
  // The facts of a file: the parser thread (parse, extract, encode the cache line) and the reader of a line.
  facts: { roots: ['server/parse/worker.ts', 'server/index/cache.ts'], extra: ['native/flatTree.c'] },
  // The resolved flows of given facts: the index that resolves them and the file that saves them.
  flows: { roots: ['server/index/kernelIndex.ts', 'server/index/flowCache.ts'], extra: [] },
} as const;

export type CacheKind = keyof typeof CACHE_SOURCES;

const IMPORT = /^\s*(?:import|export)\s(?:[^'";]*?\sfrom\s)?\s*['"]([^'"]+)['"]/gm;

/** The relative paths of the TypeScript modules `roots` reach by imports, sorted, and the packages they import. */
export function importClosure(repoRoot: string, roots: readonly string[]): { modules: string[]; packages: string[] } {
  const modules = new Set<string>();
  const packages = new Set<string>();
  const visit = (rel: string): void => {
    if (modules.has(rel)) return;
    modules.add(rel);
    const text = readFileSync(path.join(repoRoot, rel), 'utf8');
    for (const m of text.matchAll(IMPORT)) {
      const spec = m[1];
      if (spec.startsWith('node:')) continue;
      if (!spec.startsWith('.')) {
        packages.add(spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]);
        continue;
      }
      const base = path.posix.join(path.posix.dirname(rel), spec);
      const found = [`${base}.ts`, `${base}/index.ts`, base].find((c) => c.endsWith('.ts') && existsSync(path.join(repoRoot, c)));
      if (found) visit(found);
    }
  };
  for (const r of roots) visit(r);
  return { modules: [...modules].sort(), packages: [...packages].sort() };
}

/** A hash of everything a cache kind depends on (see the header), from the checkout at `repoRoot`. */
export function fingerprintOf(repoRoot: string, kind: CacheKind): string {
  const { roots, extra } = CACHE_SOURCES[kind];
  const { modules, packages } = importClosure(repoRoot, roots);
  const hash = createHash('sha1');
  for (const rel of [...modules, ...extra]) {
    const abs = path.join(repoRoot, rel);
    hash.update(rel).update(existsSync(abs) ? readFileSync(abs) : '(none)');
  }
  for (const p of packages) {
    const manifest = path.join(repoRoot, 'node_modules', p, 'package.json');
    const version = existsSync(manifest) ? (JSON.parse(readFileSync(manifest, 'utf8')) as { version?: string }).version : undefined;
    hash.update(`${p}@${version ?? '?'}`);
  }
  return hash.digest('hex');
}
