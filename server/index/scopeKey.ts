// Which folders a scope names, and the short key its cache file and daemon are named by. Apart from
// indexer.ts so that the CLI's small entry (cliEntry.ts) can name them without loading the indexer.
import { createHash } from 'node:crypto';
import { NET_SCOPE } from './scan';

export function resolveScope(include: string[] | undefined): string[] {
  if (!include || include.length === 0 || (include.length === 1 && (include[0] === '*' || include[0] === 'all'))) return [];
  if (include.length === 1 && include[0] === 'net') return NET_SCOPE;
  return include;
}

export function scopeKey(include: string[], exclude: string[]): string {
  // An exclude outside every included folder changes nothing: leave it out of the key, so the
  // CLI, the language server and the tests share one cache for the same files.
  const under = (e: string): boolean => include.some((i) => e === i || e.startsWith(i + '/') || i.startsWith(e + '/'));
  const ex = include.length ? exclude.filter(under) : exclude;
  if (include.length === 0 && ex.length === 0) return 'all';
  return createHash('sha1')
    .update(JSON.stringify([include, ex]))
    .digest('hex')
    .slice(0, 10);
}

/** Whether a tree-relative path lies in the scope (`include` as resolveScope gives it; [] = the whole tree). */
export function inScope(rel: string, include: string[], exclude: string[]): boolean {
  const under = (dir: string): boolean => {
    const d = dir.replace(/\/+$/, '');
    return rel === d || rel.startsWith(d + '/');
  };
  return (include.length === 0 || include.some(under)) && !exclude.some(under);
}
