// Find the C sources of a tree. Symlinked directories are not followed (the kernel has none that
// matter, and following them invites loops); unreadable folders are reported, not fatal.
import { existsSync, readdirSync, statSync } from 'node:fs';
import * as path from 'node:path';

export interface SourceFile {
  rel: string;
  size: number;
  mtimeMs: number;
}
export interface ScanResult {
  files: SourceFile[];
  problems: string[];
  looksLikeKernel: boolean;
}

/** The folders that hold the networking stack and what it calls; `kpath --scope net`. */
export const NET_SCOPE = ['net', 'include', 'drivers/net', 'kernel', 'lib', 'mm', 'arch/x86', 'fs', 'security', 'block', 'crypto'];

const SKIP_DIRS = new Set(['.git', 'node_modules', '.kpath', '.tmp_versions', 'Documentation']);

export function looksLikeKernelTree(root: string): boolean {
  return (
    ['Kbuild', 'Kconfig', 'MAINTAINERS'].some((f) => existsSync(path.join(root, f))) && existsSync(path.join(root, 'include', 'linux'))
  );
}

export function scanTree(root: string, include: string[] = [], exclude: string[] = []): ScanResult {
  const files: SourceFile[] = [];
  const problems: string[] = [];
  const excluded = exclude.map((e) => e.replace(/\/+$/, ''));
  const isExcluded = (rel: string): boolean => excluded.some((e) => rel === e || rel.startsWith(e + '/'));
  const walk = (rel: string): void => {
    let entries;
    try {
      entries = readdirSync(path.join(root, rel), { withFileTypes: true });
    } catch (e) {
      problems.push(`${rel || '.'}: unreadable folder (${(e as NodeJS.ErrnoException).code ?? e}), skipped`);
      return;
    }
    for (const ent of entries) {
      const child = rel ? `${rel}/${ent.name}` : ent.name;
      if (isExcluded(child)) continue;
      if (ent.isDirectory()) {
        if (!SKIP_DIRS.has(ent.name)) walk(child);
      } else if ((ent.isFile() || ent.isSymbolicLink()) && /\.[ch]$/.test(ent.name)) {
        try {
          const st = statSync(path.join(root, child));
          if (st.isFile()) files.push({ rel: child, size: st.size, mtimeMs: st.mtimeMs });
        } catch (e) {
          problems.push(
            `${child}: ${(e as NodeJS.ErrnoException).code === 'ELOOP' ? 'symlink loop' : 'dangling or unreadable link'}, skipped`,
          );
        }
      }
    }
  };
  const roots = include.length ? include.map((i) => i.replace(/\/+$/, '')) : [''];
  for (const r of roots) {
    if (r && !existsSync(path.join(root, r))) {
      problems.push(`${r}: no such folder in the tree`);
      continue;
    }
    const st = r ? statSync(path.join(root, r)) : undefined;
    if (st?.isFile()) files.push({ rel: r, size: st.size, mtimeMs: st.mtimeMs });
    else walk(r);
  }
  files.sort((a, b) => (a.rel < b.rel ? -1 : a.rel > b.rel ? 1 : 0));
  return { files, problems, looksLikeKernel: looksLikeKernelTree(root) };
}
