// What a configuration says of a function, as the panel and the targets pick show it: a tag (`y`,
// `m smc`, `n`, `?`), whether it is listed by default, folders to group long lists by, and the
// counts of a list. Pure (no DOM), shared by the webview and the extension.
import type { CallPath, FunctionRef } from '../../server/protocol';

type Built = Pick<FunctionRef, 'built' | 'module'>;

/** `y`, `m smc`, `n`, `?`; undefined without a configuration. */
export function builtTag(fn: Built): string | undefined {
  switch (fn.built) {
    case 'y':
      return 'y';
    case 'm':
      return fn.module ? `m ${fn.module}` : 'm';
    case 'n':
      return 'n';
    case 'unknown':
      return '?';
    default:
      return undefined;
  }
}

/** In words, for a tooltip or the inspector. */
export function builtWords(fn: Built & Pick<FunctionRef, 'builtWhy'>): string | undefined {
  const why = fn.builtWhy ? ` (${fn.builtWhy})` : '';
  switch (fn.built) {
    case 'y':
      return `built in${why}`;
    case 'm':
      return `built as a module${fn.module ? ` (${fn.module}.ko)` : ''}${why}`;
    case 'n':
      return `not compiled in this config${why}`;
    case 'unknown':
      return `perhaps compiled: not known${why}`;
    default:
      return undefined;
  }
}

/** Whether the server answered for a configuration: it sets `built` only then. */
export function hasConfig(path: CallPath): boolean {
  const any = (fns: FunctionRef[] | undefined) => fns?.some((f) => f.built !== undefined) ?? false;
  return any(path.drivers) || path.hops.some((h) => h.to.built !== undefined || h.from.built !== undefined || any(h.alternatives));
}

/** Listed by default: what the configuration compiles (or may), and everything without one. */
export function listed(fn: Built, all: boolean): boolean {
  return all || fn.built !== 'n';
}

/** The folder of a file, with its slash: `drivers/net/ethernet/intel/e1000/`. */
export function folderOf(file: string): string {
  const i = file.lastIndexOf('/');
  return i < 0 ? './' : file.slice(0, i + 1);
}

/** Functions grouped by folder; the groups in the order their first function comes (the server's: nearest first), and so are the functions in each. */
export function byFolder<T extends Pick<FunctionRef, 'file'>>(fns: readonly T[]): { folder: string; fns: T[] }[] {
  const groups = new Map<string, T[]>();
  for (const f of fns) {
    const k = folderOf(f.file);
    const g = groups.get(k);
    if (g) g.push(f);
    else groups.set(k, [f]);
  }
  return [...groups].map(([folder, list]) => ({ folder, fns: list }));
}

/** "56 compiled · 378 more not in this config", or "434" without a configuration. */
export function countsText(fns: readonly Built[], configured: boolean): string {
  if (!configured) return String(fns.length);
  const not = fns.filter((f) => f.built === 'n').length;
  const compiled = fns.length - not;
  return not ? `${compiled} compiled · ${not} more not in this config` : `${compiled} compiled`;
}
