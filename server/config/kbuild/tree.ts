// A kernel tree as kbuild's evaluation reads it: its Makefiles, parsed on first use and kept across
// configurations (parsing is the slow part; switching configuration only evaluates again), its
// directory listings and $(wildcard) answers, and the names kbuild itself defines.
import { readdirSync } from 'node:fs';
import * as path from 'node:path';
import { readRegular } from '../../index/fileSlice';
import { parseMakefile, type Makefile, type Stmt } from '../make/parse';
import { normalizeRel } from '../make/words';

/** The Makefiles of one tree, parsed on first use and kept across configurations. */
export class KbuildTree {
  private parsed = new Map<string, Makefile | 'missing' | 'unreadable'>();
  private listings = new Map<string, Set<string> | null>();
  private globs = new Map<string, string[] | undefined>();
  /** Time spent reading and parsing Makefiles so far, and how many. */
  parseMs = 0;
  parsedCount = 0;

  constructor(readonly root: string) {}

  /** A parsed Makefile by root-relative path. */
  makefile(rel: string): Makefile | 'missing' | 'unreadable' {
    let m = this.parsed.get(rel);
    if (m === undefined) {
      const t0 = performance.now();
      let text: string | undefined;
      try {
        text = readRegular(path.join(this.root, rel), MAX_MAKEFILE_BYTES).bytes.toString('utf8');
      } catch (e) {
        m = (e as NodeJS.ErrnoException).code === 'ENOENT' || (e as NodeJS.ErrnoException).code === 'ENOTDIR' ? 'missing' : 'unreadable';
      }
      if (text !== undefined) {
        m = parseMakefile(text, rel);
        this.parsedCount++;
      }
      this.parsed.set(rel, m!);
      this.parseMs += performance.now() - t0;
    }
    return m!;
  }

  /** The names in a root-relative directory, or null when it is not one. */
  entries(dir: string): Set<string> | null {
    let e = this.listings.get(dir);
    if (e === undefined) {
      try {
        e = new Set(readdirSync(path.join(this.root, dir)));
      } catch {
        e = null;
      }
      this.listings.set(dir, e);
    }
    return e;
  }

  exists(rel: string): boolean {
    const slash = rel.lastIndexOf('/');
    return this.entries(slash < 0 ? '' : rel.slice(0, slash))?.has(rel.slice(slash + 1)) ?? false;
  }

  /**
   * The variables kbuild itself gives every Makefile (what the top Makefile exports, what
   * scripts/Kbuild.include and Makefile.compiler define): kpath does not evaluate them, so a
   * reference to one is unknown, while any other undefined variable is empty, as in make.
   * Undefined when those files cannot be read.
   */
  kbuildNames(): ReadonlySet<string> | undefined {
    if (this.names !== undefined) return this.names ?? undefined;
    const names = new Set<string>(MAKE_BUILTINS);
    let read = 0;
    for (const [file, exportedOnly] of [
      ['Makefile', true],
      ['scripts/Kbuild.include', false],
      ['scripts/Makefile.compiler', false],
    ] as const) {
      const mf = this.makefile(file);
      if (typeof mf === 'string') continue;
      read++;
      collectNames(mf.stmts, exportedOnly, names);
    }
    this.names = read === 3 ? names : null;
    return this.names ?? undefined;
  }
  private names: Set<string> | null | undefined;

  /** The file kbuild reads for a folder: its Kbuild file wins over its Makefile. */
  kbuildFile(dir: string): string {
    const kb = dir ? `${dir}/Kbuild` : 'Kbuild';
    return this.exists(kb) ? kb : dir ? `${dir}/Makefile` : 'Makefile';
  }

  /** `$(wildcard pattern)`, the pattern as written (`./drivers/x/*.c`); undefined when it cannot be answered. */
  wildcard(pattern: string): string[] | undefined {
    if (this.globs.has(pattern)) return this.globs.get(pattern);
    let r: string[] | undefined;
    if (pattern.startsWith('/') || pattern.includes('..')) r = undefined;
    else if (!/[*?[]/.test(pattern)) {
      const rel = normalizeRel(pattern);
      r = rel !== undefined && (rel === '' || this.exists(rel.replace(/\/$/, '')) || this.entries(rel) !== null) ? [pattern] : [];
    } else {
      r = [];
      const lead = pattern.startsWith('./') ? './' : '';
      this.globInto(pattern.slice(lead.length).split('/'), 0, '', lead, r);
    }
    this.globs.set(pattern, r);
    return r;
  }

  private globInto(parts: string[], i: number, dir: string, shown: string, out: string[]): void {
    if (i === parts.length) {
      out.push(shown.replace(/\/$/, ''));
      return;
    }
    const part = parts[i];
    const last = i === parts.length - 1;
    if (!/[*?[]/.test(part)) {
      const rel = dir ? `${dir}/${part}` : part;
      if (last ? this.exists(rel) : this.entries(rel) !== null) this.globInto(parts, i + 1, rel, `${shown}${part}${last ? '' : '/'}`, out);
      return;
    }
    const re = globRegex(part);
    const names = [...(this.entries(dir) ?? [])].filter((n) => re.test(n) && !(n.startsWith('.') && !part.startsWith('.'))).sort();
    for (const n of names) {
      const rel = dir ? `${dir}/${n}` : n;
      if (!last && this.entries(rel) === null) continue;
      this.globInto(parts, i + 1, rel, `${shown}${n}${last ? '' : '/'}`, out);
    }
  }
}

/** The largest Makefile read (the tree's largest is under 100 KB); a larger one, or a FIFO, is 'unreadable'. */
const MAX_MAKEFILE_BYTES = 4 * 1024 * 1024;

const MAKE_BUILTINS = [
  'MAKE',
  'MAKEFLAGS',
  'MAKECMDGOALS',
  'MAKELEVEL',
  'MAKEFILE_LIST',
  'CURDIR',
  'SHELL',
  'MAKE_VERSION',
  'MFLAGS',
  'VPATH',
];

function collectNames(stmts: Stmt[], exportedOnly: boolean, into: Set<string>): void {
  for (const st of stmts) {
    if (st.k === 'cond') {
      collectNames(st.then, exportedOnly, into);
      collectNames(st.else, exportedOnly, into);
    } else if (st.k === 'assign' && (!exportedOnly || st.exported) && !st.name.includes('$')) into.add(st.name);
    else if (st.k === 'export' && !st.names.includes('$')) for (const n of st.names.split(/\s+/)) if (n) into.add(n);
  }
}

function globRegex(part: string): RegExp {
  let s = '^';
  for (let i = 0; i < part.length; i++) {
    const c = part[i];
    if (c === '*') s += '[^/]*';
    else if (c === '?') s += '[^/]';
    else if (c === '[') {
      const e = part.indexOf(']', i + 1);
      if (e < 0) {
        s += '\\[';
        continue;
      }
      s += `[${part
        .slice(i + 1, e)
        .replace(/^!/, '^')
        .replace(/\\/g, '\\\\')}]`;
      i = e;
    } else s += c.replace(/[.+^${}()|\\]/g, '\\$&');
  }
  return new RegExp(s + '$');
}

/** The tree's Makefiles; they are read and parsed when an evaluation first needs them, then kept. */
export function readKbuild(root: string): KbuildTree {
  return new KbuildTree(path.resolve(root));
}
