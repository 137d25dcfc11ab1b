// Fallback for `--tree`: find where a kernel function is defined by scanning the networking
// sources for a line that starts a definition of it. The CLI passes the real index's lookup
// instead when it has one.

import * as fs from 'fs';
import * as path from 'path';

export interface SourceLocation {
  file: string; // relative to the tree
  line: number; // 1-based
}

export type Locate = (fn: string) => SourceLocation | undefined;

const SEARCH_DIRS = ['net/ipv4', 'net/core', 'net/sched', 'drivers/net', 'include/net', 'include/linux'];
const SEARCH_FILES = ['drivers/net/tun.c'];

/** A definition's parameter list is followed by `{` before any `;` (a prototype ends in `;`). */
function opensBody(lines: string[], k: number, fn: string): boolean {
  const text = lines.slice(k, k + 8).join('\n');
  const rest = text.slice(text.indexOf(`${fn}(`));
  const brace = rest.indexOf('{');
  const semi = rest.indexOf(';');
  return brace >= 0 && (semi < 0 || brace < semi);
}

export function grepLocator(tree: string): Locate {
  const cache = new Map<string, SourceLocation | undefined>();
  let files: string[] | undefined;
  const list = (): string[] => {
    if (files) return files;
    files = [...SEARCH_FILES];
    for (const d of SEARCH_DIRS) {
      let names: string[] = [];
      try {
        names = fs.readdirSync(path.join(tree, d));
      } catch {
        continue;
      }
      for (const n of names) if (n.endsWith('.c') || n.endsWith('.h')) files.push(path.join(d, n));
    }
    return files;
  };
  const texts = new Map<string, string[]>();
  return (fn) => {
    if (cache.has(fn)) return cache.get(fn);
    // A definition starts at column 0 with the return type and has the name followed by '('
    // and no ';' on that line (which would be a prototype).
    const re = new RegExp(`^[A-Za-z_].*\\b${fn}\\(`);
    let found: SourceLocation | undefined;
    for (const f of list()) {
      let lines = texts.get(f);
      if (!lines) {
        try {
          lines = fs.readFileSync(path.join(tree, f), 'utf8').split('\n');
        } catch {
          lines = [];
        }
        texts.set(f, lines);
      }
      const i = lines.findIndex((l, k) => re.test(l) && !l.startsWith('#') && opensBody(lines, k, fn));
      if (i >= 0) {
        found = { file: f, line: i + 1 };
        break;
      }
    }
    cache.set(fn, found);
    return found;
  };
}
