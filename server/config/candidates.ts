// Which configurations a machine offers: the tree's own `.config`, the installed kernels' and
// Debian's packaged ones. No heavy imports: the VS Code extension uses this for its chooser.
import { existsSync, readdirSync, statSync } from 'node:fs';
import * as path from 'node:path';

/** The tree's own `.config`, when it has one (a tree that was configured or built). */
export function treeConfig(root: string): string | undefined {
  const f = path.join(root, '.config');
  try {
    return statSync(f).isFile() ? f : undefined;
  } catch {
    return undefined;
  }
}

/** Configurations worth offering: the tree's `.config`, the running system's, and Debian's packaged ones. */
export function configCandidates(root: string | undefined): { file: string; kind: string }[] {
  const out: { file: string; kind: string }[] = [];
  const own = root ? treeConfig(root) : undefined;
  if (own) out.push({ file: own, kind: "the tree's own .config" });
  const list = (dir: string, match: RegExp): string[] => {
    try {
      return readdirSync(dir)
        .filter((n) => match.test(n))
        .sort()
        .map((n) => path.join(dir, n));
    } catch {
      return [];
    }
  };
  for (const f of list('/boot', /^config-/)) out.push({ file: f, kind: 'an installed kernel (/boot)' });
  let src: string[] = [];
  try {
    src = readdirSync('/usr/src')
      .filter((n) => n.startsWith('linux-config-'))
      .sort();
  } catch {
    /* no /usr/src */
  }
  for (const d of src) for (const f of list(path.join('/usr/src', d), /^config\./)) out.push({ file: f, kind: `Debian's ${d}` });
  return out.filter((c) => existsSync(c.file));
}
