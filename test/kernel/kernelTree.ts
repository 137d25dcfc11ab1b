// Shared by the tests that run on the real kernel tree: where it is, and its index (built once,
// then loaded from a cache that lives outside the repo).
import * as path from 'node:path';
import { existsSync, readFileSync } from 'node:fs';
import { buildIndex, type IndexReport } from '../../server/index/indexer';
import { defaultCacheDir } from '../../server/index/cache';
import type { KernelIndex, SiteInfo } from '../../server/index/kernelIndex';

export const KERNEL = process.env.KPATH_KERNEL;
export const SKIP =
  !KERNEL || !existsSync(path.join(KERNEL, 'net', 'socket.c'))
    ? 'KPATH_KERNEL is not set to a kernel tree (scripts/fetch-kernel.sh prints one)'
    : false;
// The CLI's own default cache, so that `kpath index` (run first by .ci/run) warms it for every test.
export const TEST_CACHE = process.env.KPATH_TEST_CACHE ?? (KERNEL ? defaultCacheDir(KERNEL) : '');

let report: Promise<IndexReport> | undefined;
export function kernelIndex(): Promise<IndexReport> {
  report ??= buildIndex(KERNEL!, { include: ['net'], cacheDir: TEST_CACHE });
  return report;
}

/** The indirect call sites inside `fn` (in `file`) whose callee name lies within the text `anchor`. */
export function sitesByAnchor(ix: KernelIndex, file: string, fn: string, anchor: string): SiteInfo[] {
  const text = readFileSync(path.join(ix.root, file), 'utf8');
  const lines = text.split('\n');
  const def = ix.functionsNamed(fn).find((f) => f.file === file);
  if (!def) return [];
  const body = lines.slice(def.def.line, def.def.endLine + 1).join('\n');
  // The anchor may appear first in a NULL check (`if (ops->ndo_open)`): every occurrence counts.
  const spans: [number, number, number, number][] = [];
  for (let at = body.indexOf(anchor); at >= 0; at = body.indexOf(anchor, at + 1)) {
    const before = body.slice(0, at).split('\n');
    const endPart = body.slice(0, at + anchor.length).split('\n');
    spans.push([
      def.def.line + before.length - 1,
      before[before.length - 1].length,
      def.def.line + endPart.length - 1,
      endPart[endPart.length - 1].length,
    ]);
  }
  const inside = (l: number, c: number): boolean =>
    spans.some(([sl, sc, el, ec]) => (l > sl || (l === sl && c >= sc)) && (l < el || (l === el && c <= ec)));
  return ix.sitesIn(file).filter((s) => s.site.from === fn && inside(s.site.nameLine, s.site.nameCol));
}
