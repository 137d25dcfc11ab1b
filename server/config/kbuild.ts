// What the kernel's Makefiles build for one configuration: each source file goes into vmlinux (y),
// into a module (m), nowhere (n), or kpath cannot tell (unknown), with the Makefile line that
// decides it. The Makefiles are parsed once per tree (KbuildTree, kept by the caller) and evaluated
// per configuration (evaluateKbuild), following scripts/Makefile.build and scripts/Makefile.lib:
// obj-y / obj-m / lib-y, `dir/` descents, composite objects (foo-y, foo-objs), subdir-y.
import { readFileSync, readdirSync } from 'node:fs';
import * as path from 'node:path';
import type { Built } from '../protocol';
import type { KernelConfig } from './kconfig';
import {
  HOLE, MakeEval, normalizeRel, parseMakefile, referencedNames, splitWords, stripLoc, wordTag, wordText,
  type EvalHost, type LogEntry, type Makefile, type Stmt, type Var,
} from './makefile';

export interface KbuildState { built: Built; why: string; module?: string }

/** A module the configuration builds: its name, its object (`drivers/net/veth.o`) and the objects linked into it. */
export interface KbuildModule { name: string; object: string; parts: string[] }

export interface KbuildResult {
  /** The architecture folder under arch/ this configuration builds (`x86`), if known. */
  arch: string | undefined;
  /** Makefile constructs that were not understood; what they affect answers unknown. */
  problems: string[];
  /** The state of a root-relative source file (`net/ipv4/tcp.c`). */
  file(rel: string): KbuildState;
  /** Every module this configuration builds, by the object's root-relative path. */
  modules(): ReadonlyMap<string, KbuildModule>;
}

// ---------------------------------------------------------------------------------------------
// The tree: Makefiles parsed once, directory listings kept

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
        text = readFileSync(path.join(this.root, rel), 'utf8');
      } catch (e) {
        m = (e as NodeJS.ErrnoException).code === 'ENOENT' || (e as NodeJS.ErrnoException).code === 'ENOTDIR' ? 'missing' : 'unreadable';
      }
      if (text !== undefined) { m = parseMakefile(text, rel); this.parsedCount++; }
      this.parsed.set(rel, m!);
      this.parseMs += performance.now() - t0;
    }
    return m!;
  }

  /** The names in a root-relative directory, or null when it is not one. */
  entries(dir: string): Set<string> | null {
    let e = this.listings.get(dir);
    if (e === undefined) {
      try { e = new Set(readdirSync(path.join(this.root, dir))); } catch { e = null; }
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
    for (const [file, exportedOnly] of [['Makefile', true], ['scripts/Kbuild.include', false], ['scripts/Makefile.compiler', false]] as const) {
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
    if (i === parts.length) { out.push(shown.replace(/\/$/, '')); return; }
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

const MAKE_BUILTINS = ['MAKE', 'MAKEFLAGS', 'MAKECMDGOALS', 'MAKELEVEL', 'MAKEFILE_LIST', 'CURDIR', 'SHELL', 'MAKE_VERSION', 'MFLAGS', 'VPATH'];

function collectNames(stmts: Stmt[], exportedOnly: boolean, into: Set<string>): void {
  for (const st of stmts) {
    if (st.k === 'cond') { collectNames(st.then, exportedOnly, into); collectNames(st.else, exportedOnly, into); }
    else if (st.k === 'assign' && (!exportedOnly || st.exported) && !st.name.includes('$')) into.add(st.name);
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
      if (e < 0) { s += '\\['; continue; }
      s += `[${part.slice(i + 1, e).replace(/^!/, '^').replace(/\\/g, '\\\\')}]`;
      i = e;
    } else s += c.replace(/[.+^${}()|\\]/g, '\\$&');
  }
  return new RegExp(s + '$');
}

/** The tree's Makefiles; they are read and parsed when an evaluation first needs them, then kept. */
export function readKbuild(root: string): KbuildTree {
  return new KbuildTree(path.resolve(root));
}

// ---------------------------------------------------------------------------------------------
// Evaluation

// How a folder is reached: linked into vmlinux (y), only as a module folder (m: its obj-y objects
// are orphans), through something kpath cannot evaluate (unknown), or only by subdir-y (tools: no
// object there is linked into the kernel).
type Reach = 'y' | 'm' | 'unknown' | 'tools';
type MentionState = 'y' | 'm' | 'unknown' | 'n' | 'lib';

/** One Makefile line's say on one object. */
interface Mention {
  /** The folder whose Makefile names the object: its reach caps the object. */
  folder: string;
  state: MentionState;
  why: string;
  module?: string;
}

/** An obj-m object: a module, when its folder is reached. */
interface ModuleDecl { object: string; folder: string; name: string }

interface SubdirMention { dir: string; kind: 'y' | 'm' | 'unknown' | 'subdir' | 'n'; why: string }

interface FolderEval {
  dir: string;
  /** The Makefile read, or why none was. */
  file: string;
  error?: string;
  /** Words kpath could not evaluate in the object lists: objects of the folder they may name. */
  holes: { re: RegExp; why: string }[];
  /** Something not understood that may change any object of the folder. */
  taint?: string;
}

const RANK: Record<Built, number> = { y: 3, m: 2, unknown: 1, n: 0 };
const NOT_KERNEL = new Set(['tools', 'scripts', 'Documentation']);
const SOURCE_EXT = /\.(c|S|rs)$/;
// Variables of the top Makefile that say which folders are visited (the old layout lists them all there).
const TOP_LISTS = /^(core|drivers|libs|net|init|virt)-/;
const TOP_KEEP = /^(core|drivers|libs|net|init|virt)-|^(ARCH_CORE|ARCH_LIB|ARCH_DRIVERS|VERSION|PATCHLEVEL|SUBLEVEL|EXTRAVERSION)$/;

/** Evaluate the tree's Makefiles for a configuration. Never throws. */
export function evaluateKbuild(tree: KbuildTree, config: KernelConfig): KbuildResult {
  return new Evaluation(tree, config);
}

/** Where a folder's reader puts what it finds. */
interface MentionSink {
  addMention(obj: string, m: Mention): void;
  declareModule(d: ModuleDecl): void;
  topWhy(dirWord: string): string | undefined;
  fmt(e: LogEntry, word: string, ev: MakeEval): string;
}

class Evaluation implements KbuildResult, MentionSink {
  readonly arch: string | undefined;
  readonly problems: string[] = [];
  private readonly base = new Map<string, Var>();
  private readonly folders = new Map<string, FolderEval>();
  private readonly reach = new Map<string, Map<Reach, string>>();
  private readonly excluded = new Map<string, string>();
  private readonly subdirsOf = new Map<string, SubdirMention[]>();
  private readonly objects = new Map<string, Mention[]>();
  private readonly libRoots = new Set<string>();
  private readonly moduleDecls: ModuleDecl[] = [];
  private readonly memo = new Map<string, KbuildState>();
  private moduleMap: Map<string, KbuildModule> | undefined;
  private readonly host: EvalHost;

  constructor(private readonly tree: KbuildTree, private readonly config: KernelConfig) {
    this.arch = config.arch;
    this.host = {
      include: (rel) => (rel.startsWith('scripts/') || rel.startsWith('include/config/') ? 'skip' : this.tree.makefile(rel)),
      wildcard: (p) => this.tree.wildcard(p),
      undefinedIsUnknown: undefinedIsUnknown(tree.kbuildNames()),
      unknownName,
      logName: (n) => n.includes('-'),
    };
    this.setBase();
    this.visitAll();
  }

  // -- the environment kbuild gives every Makefile ------------------------------------------

  private setBase(): void {
    const b = this.base;
    for (const [k, v] of this.config.values) b.set(k, { value: v, simple: true });
    const simple = (k: string, v: string): void => { b.set(k, { value: v, simple: true }); };
    const arch = this.arch ?? '';
    simple('ARCH', arch);
    simple('SRCARCH', arch);
    simple('SUBARCH', arch);
    // An in-tree build run from the top: paths are relative to the tree's root.
    simple('srctree', '.');
    simple('objtree', '.');
    simple('srcroot', '.');
    simple('KBUILD_EXTMOD', '');
    simple('KBUILD_SRC', '');
    simple('M', '');
    simple('KBUILD_BUILTIN', '1');
    simple('KBUILD_MODULES', '1');
    simple('KERNELRELEASE', 'kernelrelease');
    // scripts/Kbuild.include
    simple('comma', ',');
    simple('empty', '');
    simple('space', ' ');
    simple('pound', '#');
    simple('squote', "'");
    simple('dot-target', '');
  }

  // -- the top: which folders are visited ----------------------------------------------------

  private top(): void {
    const archMakefile = this.arch ? `arch/${this.arch}/Makefile` : undefined;
    let archRead = false;
    const host: EvalHost = {
      ...this.host,
      // Of the top Makefile only the folder lists matter (and the arch Makefile it includes);
      // the rest (compiler probing, targets) is skipped rather than half-understood.
      keep: (st: Stmt) => st.loc.file !== 'Makefile' || st.k === 'cond'
        || (st.k === 'assign' && TOP_KEEP.test(st.name))
        || (st.k === 'include' && /arch\/\$\(SRCARCH\)\/Makefile/.test(st.paths)),
      include: (rel) => {
        if (rel !== archMakefile) return this.host.include(rel);
        if (archRead) return 'skip';
        archRead = true;
        return this.tree.makefile(rel);
      },
      logName: (n) => TOP_LISTS.test(n),
    };
    const ev = new MakeEval(host, this.base);
    const top = this.tree.makefile('Makefile');
    if (typeof top === 'string') this.problems.push(`Makefile: ${top === 'missing' ? 'there is no top Makefile' : 'cannot be read'}`);
    else ev.run(top);
    if (!archRead && archMakefile) {
      const am = this.tree.makefile(archMakefile);
      if (typeof am === 'string') this.problems.push(`${archMakefile}: ${am === 'missing' ? 'not found' : 'cannot be read'}`);
      else ev.run(am);
    } else if (!archMakefile) this.problems.push('the configuration names no architecture: arch/ is not read');
    for (const p of ev.problems) this.problems.push(p);
    // What the top Makefile exports reaches every folder's Makefile (BITS, for `foo_$(BITS).o`).
    for (const name of ev.exported) {
      if (TOP_LISTS.test(name)) continue;
      if (ev.defined(name)) this.base.set(name, { value: ev.get(name), simple: true });
    }
    const words = (n: string): string[] => splitWords(ev.get(n));
    // The top Makefile exports ARCH_* (6.1+); when it does not, kbuild's own definition stands in.
    const derive = (n: string, f: () => string[]): void => {
      if (!ev.vars.has(n)) this.base.set(n, { value: f().join(' '), simple: true });
      else this.base.set(n, { value: ev.get(n), simple: true });
    };
    derive('ARCH_CORE', () => words('core-y'));
    derive('ARCH_LIB', () => words('libs-y').filter((w) => w.endsWith('/')));
    derive('ARCH_DRIVERS', () => [...words('drivers-y'), ...words('drivers-m')]);
    for (const w of words('libs-y')) if (w.endsWith('/') && wordTag(w) < 0) this.libRoots.add(normalizeRel(w) ?? w);
    this.topLog = ev.log;
    this.topEval = ev;
    // `drivers-$(CONFIG_MATH_EMULATION) += arch/x86/math-emu/` with the option unset.
    for (const e of ev.log) {
      if (e.mode !== 'dead' && /-[ym]$/.test(e.name)) continue;
      for (const w of e.words) {
        const t = wordText(w);
        const d = t.endsWith('/') ? normalizeRel(t) : undefined;
        if (d && !this.excluded.has(d)) this.excluded.set(d, this.fmt(e, t, ev));
      }
    }
  }
  private topLog: LogEntry[] = [];
  private topEval: MakeEval | undefined;

  /** @internal: the top Makefile's line that lists a folder (core-y, drivers-$(CONFIG_PCI), …), for reasons. */
  topWhy(dirWord: string): string | undefined {
    for (const e of this.topLog) {
      if (e.mode === 'dead') continue;
      if (e.words.some((w) => wordText(w) === dirWord)) return this.fmt(e, dirWord, this.topEval!);
    }
    return undefined;
  }

  // -- walking the folders -------------------------------------------------------------------

  private visitAll(): void {
    this.top();
    const work: [string, Reach][] = [];
    const add = (dir: string, kind: Reach, why: string): void => {
      let r = this.reach.get(dir);
      if (!r) { r = new Map(); this.reach.set(dir, r); }
      if (r.has(kind)) return;
      r.set(kind, why);
      work.push([dir, kind]);
    };
    add('', 'y', 'the top of the tree');
    const rootSubs = this.evalFolder('');
    // Older trees list the top folders in the top Makefile (core-y += kernel/ …), not in Kbuild.
    if (!rootSubs.some((s) => s.kind !== 'n')) this.rootFromLists(rootSubs);
    while (work.length) {
      const [dir, kind] = work.pop()!;
      const subs = this.evalFolder(dir);
      for (const s of subs) {
        if (s.kind === 'n') { if (!this.excluded.has(s.dir)) this.excluded.set(s.dir, s.why); continue; }
        const next = childReach(kind, s.kind);
        // The reason is the line that decided the child's reach: its own, or the parent's cap.
        const inherited = this.reach.get(dir)!.get(kind)!;
        const why = next === 'tools' ? (kind === 'tools' ? inherited : s.why)
          : next === 'unknown' ? (kind === 'unknown' ? inherited : s.why)
            : next === 'm' ? (s.kind === 'm' ? s.why : inherited)
              : s.why;
        add(s.dir, next, why);
      }
    }
  }

  private rootFromLists(into: SubdirMention[]): void {
    const ev = this.topEval;
    if (!ev) return;
    for (const list of ['init', 'core', 'drivers', 'net', 'libs', 'virt']) {
      for (const [suffix, kind] of [['y', 'y'], ['m', 'm']] as const) {
        for (const w of splitWords(ev.get(`${list}-${suffix}`))) {
          const t = wordText(w);
          if (!t.endsWith('/')) continue;
          const dir = normalizeRel(t);
          if (dir === undefined) continue;
          const why = this.topWhy(t) ?? `Makefile lists ${t} in ${list}-${suffix}`;
          into.push({ dir, kind: wordTag(w) >= 0 ? 'unknown' : kind, why: wordTag(w) >= 0 ? `${why}; ${ev.reason(wordTag(w))}` : why });
        }
      }
    }
  }

  /** Evaluate a folder's Makefile once: records its objects and returns the folders it names. */
  private evalFolder(dir: string): SubdirMention[] {
    const had = this.subdirsOf.get(dir);
    if (had) return had;
    const subs = this.readFolder(dir, this, true);
    this.subdirsOf.set(dir, subs);
    return subs;
  }

  /** Run a folder's Makefile and hand what it names to `sink`. */
  private readFolder(dir: string, sink: MentionSink, live: boolean): SubdirMention[] {
    const subs: SubdirMention[] = [];
    const file = this.tree.kbuildFile(dir);
    const fe: FolderEval = { dir, file, holes: [] };
    if (live) this.folders.set(dir, fe);
    const mf = this.tree.makefile(file);
    if (typeof mf === 'string') {
      fe.error = mf === 'missing' ? `${dir || '.'}/ has no Kbuild or Makefile` : `${file} cannot be read`;
      if (live) this.problems.push(fe.error);
      return subs;
    }
    const ev = new MakeEval(this.host, this.base, !live);
    ev.set('obj', dir || '.');
    ev.set('src', dir || '.');
    ev.run(mf);
    if (live) for (const p of ev.problems) this.problems.push(p);
    if (ev.taints.length) fe.taint = ev.reason(ev.taints[0]);
    new FolderReader(sink, ev, fe, subs).read();
    return subs;
  }

  /** @internal used by FolderReader */
  declareModule(d: ModuleDecl): void { this.moduleDecls.push(d); }

  /** @internal used by FolderReader */
  addMention(obj: string, m: Mention): void {
    const list = this.objects.get(obj);
    if (list) list.push(m); else this.objects.set(obj, [m]);
  }

  /** @internal: a log entry as a reason: `net/Makefile:25: obj-$(CONFIG_SMC) += smc/; CONFIG_SMC=m`. */
  fmt(e: LogEntry, word: string, ev: MakeEval): string {
    if (e.mode === 'dead' && e.dead) {
      const d = e.dead;
      return `${d.cond.file}:${d.cond.line}: ${d.inElse ? `else of ${d.cond.text}` : d.cond.text}${this.optionWords(d.cond.text, true)}`
        + ` (so line ${e.loc.line}, ${e.rawName} ${e.op} ${showValue(e.rawValue, word)}, is not read)`;
    }
    let s = `${e.loc.file}:${e.loc.line}: ${e.rawName} ${e.op} ${showValue(e.rawValue, word)}${this.optionWords(e.rawName, false)}`;
    // `subdir- += boot` names a folder only for `make clean`.
    if (/-$/.test(e.rawName) && !e.rawName.includes('$')) s += ' (a list kbuild only cleans)';
    if (e.mode === 'unknown' && e.why !== undefined) s += `; ${stripLoc(ev.reason(e.why), e.loc)}`;
    return s;
  }

  /** `; CONFIG_X=m` or `; CONFIG_X is not set` for the options a text names. */
  optionWords(text: string, all: boolean): string {
    const names = [...new Set(text.match(/\bCONFIG_[A-Za-z0-9_]+/g) ?? [])].slice(0, all ? 3 : 2);
    if (!names.length) return '';
    return '; ' + names.map((n) => {
      const v = this.config.values.get(n);
      return v === undefined ? `${n} is not set` : `${n}=${v}`;
    }).join(', ');
  }

  get configModules(): boolean { return this.config.values.has('CONFIG_MODULES'); }
  isLibRoot(dir: string): boolean { return this.libRoots.has(dir); }

  // -- answers -------------------------------------------------------------------------------

  file(relIn: string): KbuildState {
    const rel = normalizeRel(relIn) ?? relIn;
    let s = this.memo.get(rel);
    if (!s) { s = this.compute(rel); this.memo.set(rel, s); }
    return s;
  }

  private compute(rel: string): KbuildState {
    const segs = rel.split('/');
    const top = segs[0];
    if (NOT_KERNEL.has(top) && segs.length > 1) return { built: 'n', why: `${top}/ is not part of the kernel build` };
    if (top === 'samples' && !this.config.values.has('CONFIG_SAMPLES')) return { built: 'n', why: 'samples/ is not part of the kernel build (CONFIG_SAMPLES is not set)' };
    if (top === 'arch' && segs.length > 2 && this.arch && segs[1] !== this.arch) return { built: 'n', why: `arch/${segs[1]} is not this config's architecture (${this.arch})` };
    const ext = SOURCE_EXT.exec(rel);
    if (!ext) return { built: 'unknown', why: `${rel} is not compiled by itself: kbuild compiles .c, .S and .rs files` };
    const obj = rel.slice(0, rel.length - ext[0].length) + '.o';
    const dir = segs.slice(0, -1).join('/');
    let best: KbuildState | undefined;
    for (const m of this.objects.get(obj) ?? []) {
      for (const st of this.apply(m)) if (!best || RANK[st.built] > RANK[best.built]) best = st;
    }
    if (best && best.built !== 'n') return best;
    // An unevaluated word of the folder's lists may be this object.
    const fe = this.folders.get(dir);
    const hole = fe?.holes.find((h) => h.re.test(path.posix.basename(obj)));
    if (hole && this.reach.has(dir)) return { built: 'unknown', why: `${fe!.file} lists objects kpath cannot evaluate (${hole.why})` };
    if (best) {
      const taint = this.taintOf(obj, dir);
      return taint ? { built: 'unknown', why: `${best.why}; but ${taint}` } : best;
    }
    return this.unnamed(dir, path.posix.basename(obj), obj);
  }

  private taintOf(obj: string, dir: string): string | undefined {
    for (const m of this.objects.get(obj) ?? []) { const t = this.folders.get(m.folder)?.taint; if (t) return t; }
    return this.folders.get(dir)?.taint;
  }

  /** A file no built folder's Makefile names: the folders above it, or the Makefiles of folders not built, say why. */
  private unnamed(dir: string, base: string, obj: string): KbuildState {
    let a = dir;
    while (a && !this.reach.has(a)) a = parentDir(a);
    // A folder between the deepest visited one and the file that a Makefile names but does not build.
    if (a !== dir) {
      const segs = dir.split('/');
      for (let i = a ? a.split('/').length + 1 : 1; i <= segs.length; i++) {
        const ex = this.excluded.get(segs.slice(0, i).join('/'));
        if (ex) return { built: 'n', why: ex };
      }
    }
    // Named only by another architecture's Makefile (`drivers-y += drivers/s390/` in arch/s390/Makefile).
    const segs = dir ? dir.split('/') : [];
    for (let i = 1; i <= segs.length; i++) {
      const why = this.foreignLists().get(segs.slice(0, i).join('/'));
      if (why && !this.reach.has(segs.slice(0, i).join('/'))) return { built: 'n', why };
    }
    // Named only by the Makefile of a folder that is not built (`amdgpu-y += ../display/…`).
    const dead = this.deadMentions().get(obj);
    if (dead) return { built: 'n', why: dead };
    const fe = this.folders.get(a);
    if (fe?.error) return { built: 'unknown', why: fe.error };
    if (a !== dir) {
      const next = dir.split('/').slice(0, a ? a.split('/').length + 1 : 1).join('/');
      return { built: 'unknown', why: `no Makefile names ${next}/ (${fe?.file ?? `${a}/Makefile`} does not list it)` };
    }
    const reach = this.reach.get(dir);
    const tools = reach && reach.size === 1 && reach.has('tools');
    return { built: 'unknown', why: `no Makefile in ${dir || '.'} names ${base}${tools ? ` (the folder is visited only by subdir-y: ${reach!.get('tools')})` : ''}` };
  }

  /**
   * What the Makefiles of the folders that are not built name (and their subfolders'), each with
   * the line that excludes the folder. Evaluated once, on the first file that needs it.
   */
  private deadMentions(): ReadonlyMap<string, string> {
    if (this.dead) return this.dead;
    const dead = new Map<string, string>();
    this.dead = dead;
    const seen = new Set<string>();
    const work = [...this.excluded].filter(([d]) => !this.reach.has(d));
    while (work.length) {
      const [dir, why] = work.pop()!;
      if (seen.has(dir) || this.reach.has(dir)) continue;
      seen.add(dir);
      const sink: MentionSink = {
        addMention: (obj) => { if (!dead.has(obj)) dead.set(obj, why); },
        declareModule: () => {},
        topWhy: () => undefined,
        fmt: (e, w, ev) => this.fmt(e, w, ev),
      };
      for (const sub of this.readFolder(dir, sink, false)) work.push([sub.dir, why]);
    }
    return dead;
  }
  private dead: Map<string, string> | undefined;

  /** The folders the other architectures' Makefiles add to their core-y, drivers-y, libs-y: not this config's. */
  private foreignLists(): ReadonlyMap<string, string> {
    if (this.foreign) return this.foreign;
    const out = new Map<string, string>();
    this.foreign = out;
    for (const a of [...(this.tree.entries('arch') ?? [])].sort()) {
      if (a === this.arch) continue;
      const mf = this.tree.makefile(`arch/${a}/Makefile`);
      if (typeof mf === 'string') continue;
      // Both branches of every conditional: whatever that architecture may list is not this config's.
      const ev = new MakeEval({ ...this.host, include: () => 'skip', logName: (n) => TOP_LISTS.test(n) }, this.base, true);
      ev.set('SRCARCH', a);
      ev.set('ARCH', a);
      ev.run(mf);
      for (const e of ev.log) {
        for (const w of e.words) {
          const t = wordText(w);
          const d = t.endsWith('/') && !t.includes(HOLE) ? normalizeRel(t) : undefined;
          if (d && !d.startsWith(`arch/${a}/`) && !out.has(d)) out.set(d, `arch/${a}/Makefile:${e.loc.line}: ${e.rawName} ${e.op} ${showValue(e.rawValue, t)} (arch/${a} is not this config's architecture, ${this.arch ?? 'unknown'})`);
        }
      }
    }
    return out;
  }
  private foreign: Map<string, string> | undefined;

  /** A mention under each way its folder is reached. */
  private *apply(m: Mention): Generator<KbuildState> {
    const reach = this.reach.get(m.folder);
    if (!reach) return;
    for (const [kind, gate] of reach) yield this.under(m, kind, gate);
  }

  private under(m: Mention, kind: Reach, gate: string): KbuildState {
    const mod = m.module ? { module: m.module } : {};
    if (m.state === 'n') return { built: 'n', why: m.why };
    if (kind === 'tools') return { built: 'n', why: `${m.why}; but ${m.folder}/ is visited only by subdir-y (${gate}), which builds nothing into the kernel` };
    if (kind === 'unknown') return { built: 'unknown', why: `${m.why}; ${gate}`, ...mod };
    if (m.state === 'unknown') return { built: 'unknown', why: m.why, ...mod };
    if (m.state === 'lib') {
      if (kind === 'm') return { built: 'n', why: `${m.why}; but ${m.folder}/ is reached only as a module folder (${gate}), and its lib.a is not linked` };
      if (!this.isLibRoot(m.folder)) return { built: 'unknown', why: `${m.why}; a member of ${m.folder}/lib.a, which no libs-y links into vmlinux (special rules may link it elsewhere)` };
      if (!this.configModules) return { built: 'unknown', why: `${m.why}; a member of ${m.folder}/lib.a, linked into vmlinux only if something refers to it (CONFIG_MODULES is not set)` };
      return { built: 'y', why: `${m.why} (a member of ${m.folder}/lib.a, linked whole into vmlinux)` };
    }
    if (kind === 'y') return { built: m.state, why: m.why, ...mod };
    // Reached only as a module folder: its modules are built, its built-in objects are orphans.
    if (m.state === 'm') return { built: 'm', why: m.why, ...mod };
    return { built: 'n', why: `${m.why}; but ${m.folder}/ is reached only as a module folder (${gate}), so its built-in objects are linked nowhere` };
  }

  modules(): ReadonlyMap<string, KbuildModule> {
    if (this.moduleMap) return this.moduleMap;
    const map = new Map<string, KbuildModule>();
    for (const d of this.moduleDecls) {
      if (map.has(d.object)) continue;
      const r = this.reach.get(d.folder);
      if (!r || !(r.has('y') || r.has('m'))) continue;
      map.set(d.object, { name: d.name, object: d.object, parts: [] });
    }
    const byKey = new Map<string, KbuildModule>();
    for (const d of this.moduleDecls) { const m = map.get(d.object); if (m) byKey.set(`${d.folder}\0${d.name}`, m); }
    for (const [obj, ms] of this.objects) {
      for (const m of ms) {
        const mod = m.module ? byKey.get(`${m.folder}\0${m.module}`) : undefined;
        if (mod && !mod.parts.includes(obj) && [...this.apply(m)].some((s) => s.built === 'm')) mod.parts.push(obj);
      }
    }
    this.moduleMap = map;
    return map;
  }
}

function parentDir(d: string): string {
  const i = d.lastIndexOf('/');
  return i < 0 ? '' : d.slice(0, i);
}

function childReach(parent: Reach, mention: SubdirMention['kind']): Reach {
  if (parent === 'tools' || mention === 'subdir') return 'tools';
  if (parent === 'unknown' || mention === 'unknown') return 'unknown';
  if (parent === 'm' || mention === 'm') return 'm';
  return 'y';
}

// Set outside the Makefiles kpath reads: the toolchain and kbuild's own variables (CC, KBUILD_CFLAGS)
// and the compiler-probing functions; any other variable no Makefile sets is empty, as make has it
// (`acpi-$(ACPI_FUTURE_USAGE) += …`). CONFIG_ options are read from the config. Without the list,
// every undefined upper-case name counts as kbuild's.
function undefinedIsUnknown(names: ReadonlySet<string> | undefined): (name: string) => boolean {
  return (name) => {
    if (name.startsWith('CONFIG_')) return false;
    if (/^(cc|ld|as|rustc|clang|gcc)-/.test(name)) return true;
    return names ? names.has(name) : /^[A-Z][A-Z0-9_]*$/.test(name);
  };
}

// `obj-$(shell …) += foo.o`: the words may land in obj-y or obj-m; kbuild reads them as unknown.
function unknownName(inner: string): string | undefined {
  const base = inner.replace(/\x03/g, '');
  const m = /^(obj|lib|subdir)-/.exec(base);
  if (m) return `${m[1]}-y`;
  const c = /^(.+)-$/.exec(base);
  return c && !c[1].includes(HOLE) ? `${c[1]}-y` : undefined;
}

function showValue(raw: string, word: string): string {
  const v = raw.replace(/\s+/g, ' ').trim();
  if (v.length <= 60) return v;
  const bare = word.replace(/^.*\//, '');
  const at = v.indexOf(bare);
  if (at >= 0) return `… ${word} …`;
  return `${v.slice(0, 50)}…`;
}

/** A regular expression for a word with holes (`foo_\x03.o` matches `foo_64.o`). */
function holeRegex(text: string): RegExp {
  const base = text.replace(/^.*\//, '');
  return new RegExp('^' + base.split(HOLE).map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('.*') + '$');
}

// ---------------------------------------------------------------------------------------------
// One folder's object lists, as Makefile.lib reads them

class FolderReader {
  private readonly byWord = new Map<string, LogEntry[]>();
  private readonly byName = new Map<string, LogEntry[]>();
  /** Objects this folder lists as built (y, m, lib), so that a mention elsewhere in its log is not an n. */
  private readonly positive = new Set<string>();
  /** Objects this folder says anything of (built or not). */
  private readonly mentioned = new Set<string>();
  private readonly composites = new Set<string>();

  constructor(private readonly evn: MentionSink, private readonly ev: MakeEval, private readonly fe: FolderEval, private readonly subs: SubdirMention[]) {
    for (const e of ev.log) {
      const n = this.byName.get(e.name);
      if (n) n.push(e); else this.byName.set(e.name, [e]);
      for (const w of e.words) {
        const t = wordText(w);
        const l = this.byWord.get(t);
        if (l) { if (l[l.length - 1] !== e) l.push(e); } else this.byWord.set(t, [e]);
      }
    }
  }

  private get dir(): string { return this.fe.dir; }
  private rel(word: string): string | undefined {
    return normalizeRel(this.dir ? `${this.dir}/${word}` : word);
  }

  read(): void {
    const objY = splitWords(this.ev.get('obj-y'));
    const yTexts = new Set(objY.filter((w) => wordTag(w) < 0).map(wordText));
    // Makefile.lib: an object listed both built-in and modular is built in only.
    const objM = splitWords(this.ev.get('obj-m')).filter((w) => !yTexts.has(wordText(w)));
    const libs = [...splitWords(this.ev.get('lib-y')), ...splitWords(this.ev.get('lib-m'))].filter((w) => !yTexts.has(wordText(w)));
    for (const w of objY) this.listed(w, 'y', 'obj-y');
    for (const w of objM) this.listed(w, 'm', 'obj-m');
    for (const w of libs) this.listed(w, 'lib', 'lib-y');
    for (const w of [...splitWords(this.ev.get('subdir-y')), ...splitWords(this.ev.get('subdir-m'))]) {
      const t = wordText(w).replace(/\/$/, '');
      if (t.includes(HOLE)) continue;
      const d = this.rel(t);
      if (d === undefined) continue;
      this.subs.push({ dir: d, kind: wordTag(w) >= 0 ? 'unknown' : 'subdir', why: this.why(w, /^subdir-/) });
    }
    this.excludedFromLog();
  }

  /** A word of obj-y / obj-m / lib-y. */
  private listed(w: string, state: 'y' | 'm' | 'lib', list: string): void {
    const tag = wordTag(w);
    const text = wordText(w);
    const listRe = list === 'lib-y' ? /^lib-[ym]$/ : new RegExp(`^${list}$`);
    if (text.includes(HOLE)) {
      this.fe.holes.push({ re: holeRegex(text), why: `${this.why(w, listRe)}` });
      return;
    }
    if (text.endsWith('/')) {
      const d = this.rel(text);
      if (d === undefined || state === 'lib') return;
      let why = this.why(w, listRe);
      // The top Kbuild's `obj-y += $(ARCH_DRIVERS)`: the arch Makefile's own line says more.
      if (!this.dir && /\$\(ARCH_/.test(this.entryOf(w, listRe)?.rawValue ?? '')) why = this.evn.topWhy(text) ?? why;
      this.subs.push({ dir: d, kind: tag >= 0 ? 'unknown' : state, why });
      return;
    }
    if (!text.endsWith('.o')) return;
    const why = this.why(w, listRe);
    const module = state === 'm' ? moduleName(text) : undefined;
    this.object(text, tag >= 0 ? 'unknown' : state, why, module, state === 'm' && tag < 0, new Set());
  }

  /** An object (or a composite's part) with its state; composites are replaced by their parts. */
  private object(text: string, state: MentionState, why: string, module: string | undefined, moduleObject: boolean, seen: Set<string>): void {
    const obj = this.rel(text);
    if (obj === undefined) return;
    if (state !== 'n') this.positive.add(obj);
    this.mentioned.add(obj);
    if (moduleObject && module) this.evn.declareModule({ object: obj, folder: this.dir, name: module });
    const stem = text.slice(0, -2);
    const parts = state === 'lib' || seen.has(stem) ? undefined : this.parts(stem, state);
    if (!parts || !parts.composite) {
      this.evn.addMention(obj, { folder: this.dir, state, why, ...(module ? { module } : {}) });
    } else if (state !== 'n') {
      // foo.o is linked from its parts: a foo.c beside them is not compiled as such.
      this.evn.addMention(obj, { folder: this.dir, state: 'n', why: `${why}; ${text} is linked from the parts listed in ${stem}-y/${stem}-objs, so its own source is not compiled` });
    }
    if (!parts) return;
    seen.add(stem);
    this.composites.add(stem);
    for (const p of parts.live) {
      const t = wordText(p);
      const pwhy = `${this.why(p, new RegExp(`^${escapeRe(stem)}-(objs|y|m)$`))}; part of ${text}: ${why}`;
      if (t.includes(HOLE)) { this.fe.holes.push({ re: holeRegex(t), why: pwhy }); continue; }
      if (!t.endsWith('.o')) continue;
      const ps: MentionState = wordTag(p) >= 0 && state !== 'n' ? 'unknown' : state;
      this.object(t, ps, pwhy, module, false, seen);
    }
    for (const { word, entry } of parts.dead) {
      const o = this.rel(word);
      if (o === undefined || this.positive.has(o)) continue;
      const ewhy = entry.name === `${stem}-m` && state === 'y'
        ? `${this.evn.fmt(entry, word, this.ev)}; but ${text} is built in (obj-y), so ${stem}-m is not linked`
        : `${this.evn.fmt(entry, word, this.ev)} (a part of ${text})`;
      this.evn.addMention(o, { folder: this.dir, state: 'n', why: ewhy });
    }
  }

  /**
   * A composite's parts, as Makefile.lib finds them: it is one when `foo-objs`, `foo-y` (`foo-m` for a
   * module) or `foo-` is not empty; its parts are then those lists. `dead` are the parts its lines name
   * but leave out (`foo-$(CONFIG_X)` with X unset, a false ifdef), also when it is not a composite.
   */
  private parts(stem: string, state: MentionState): { composite: boolean; live: string[]; dead: { word: string; entry: LogEntry }[] } | undefined {
    const suffixes = state === 'y' ? ['-objs', '-y'] : ['-objs', '-y', '-m'];
    const live: string[] = [];
    for (const s of suffixes) if (this.byName.has(stem + s) || this.ev.defined(stem + s)) live.push(...splitWords(this.ev.get(stem + s)));
    const composite = live.length > 0 || ((this.byName.has(`${stem}-`) || this.ev.defined(`${stem}-`)) && splitWords(this.ev.get(`${stem}-`)).length > 0);
    const liveTexts = new Set(live.map(wordText));
    const dead: { word: string; entry: LogEntry }[] = [];
    for (const s of ['-objs', '-y', '-m', '-', '-n']) {
      for (const e of this.byName.get(stem + s) ?? []) {
        if (e.mode !== 'dead' && suffixes.includes(s)) continue;
        for (const w of e.words) {
          const t = wordText(w);
          if (t.endsWith('.o') && !liveTexts.has(t)) dead.push({ word: t, entry: e });
        }
      }
    }
    if (!composite && !dead.length) return undefined;
    return { composite, live, dead };
  }

  /** Objects and folders this folder's lines name but do not build: `obj-$(CONFIG_X)` with X unset, false ifdef blocks. */
  private excludedFromLog(): void {
    for (const e of this.ev.log) {
      const m = /^(obj|lib|subdir)-(.*)$/.exec(e.name);
      if (!m) continue;
      const live = e.mode !== 'dead' && (m[2] === 'y' || m[2] === 'm');
      if (live) continue;
      for (const w of e.words) {
        const t = wordText(w);
        if (t.includes(HOLE)) continue;
        if (m[1] === 'subdir' || t.endsWith('/')) {
          const d = this.rel(t.replace(/\/$/, ''));
          if (d === undefined) continue;
          this.subs.push({ dir: d, kind: 'n', why: this.evn.fmt(e, t, this.ev) });
          continue;
        }
        if (!t.endsWith('.o')) continue;
        const o = this.rel(t);
        if (o === undefined || this.positive.has(o)) continue;
        const why = this.evn.fmt(e, t, this.ev);
        this.object(t, 'n', why, undefined, false, new Set());
      }
    }
    // Lists of parts whose object no line lists (`mmu-y := nommu.o` replaced later, `objs-y$(CONFIG_X)`
    // with X unset, `vobjs-y` that the Makefile's own rules build into the vDSO).
    let refs: Set<string> | undefined;
    for (const [name, entries] of this.byName) {
      const c = /^(.+)-(y|objs)$/.exec(name);
      if (!c || /^(obj|lib|subdir|always|extra|targets|hostprogs|userprogs|ccflags|asflags|ldflags|cppflags|rustflags|subdir-ccflags|subdir-asflags)$/.test(c[1])) continue;
      const stem = c[1];
      if (this.composites.has(stem) || this.isListed(stem)) continue;
      const host = this.hostProgram(stem);
      const reader = host ? undefined : this.listReading(name);
      refs ??= this.referenced();
      for (const e of entries) {
        if (e.mode === 'dead') continue;
        for (const w of e.words) {
          const t = wordText(w);
          if (!t.endsWith('.o') || t.includes(HOLE)) continue;
          const o = this.rel(t);
          if (o === undefined || this.mentioned.has(o)) continue;
          const why = this.evn.fmt(e, t, this.ev);
          const m: Mention = host
            ? { folder: this.dir, state: 'n', why: `${why}; part of ${stem}, a program for the build machine, not the kernel` }
            : reader
              ? { folder: this.dir, state: 'n', why: `${why}; but ${name} no longer holds it when ${reader.loc.file}:${reader.loc.line} reads it (${reader.rawName} ${reader.op} …)` }
              : refs.has(name)
                ? { folder: this.dir, state: 'unknown', why: `${why}; ${name} is used by the Makefile's own rules, not by obj-y or obj-m` }
                : { folder: this.dir, state: 'n', why: `${why}; but no line reads ${name}` };
          this.evn.addMention(o, m);
        }
      }
    }
  }

  /** The line of an object list (obj-*, lib-*) that reads a variable, if one does. */
  private listReading(name: string): LogEntry | undefined {
    const a = `$(${name})`;
    const b = `\${${name}}`;
    return this.ev.log.find((e) => /^(obj|lib)-/.test(e.name) && (e.rawValue.includes(a) || e.rawValue.includes(b)));
  }

  private referenced(): Set<string> {
    const refs = new Set<string>();
    for (const mf of this.ev.files) referencedNames(mf.stmts, refs);
    return refs;
  }

  private isListed(stem: string): boolean {
    const o = `${stem}.o`;
    return (this.byWord.get(o) ?? []).some((e) => /^(obj|lib)-/.test(e.name));
  }

  private hostProgram(stem: string): boolean {
    for (const v of ['hostprogs', 'hostprogs-y', 'hostprogs-m', 'hostprogs-always-y', 'hostprogs-always-m', 'userprogs', 'userprogs-always-y', 'always-y', 'always-m']) {
      if (splitWords(this.ev.get(v)).some((w) => wordText(w) === stem)) return true;
    }
    return (this.byWord.get(stem) ?? []).some((e) => /^(hostprogs|userprogs)/.test(e.name));
  }

  private entryOf(w: string, name: RegExp): LogEntry | undefined {
    const list = this.byWord.get(wordText(w));
    if (!list) return undefined;
    return list.find((e) => e.mode === 'live' && name.test(e.name)) ?? list.find((e) => e.mode !== 'dead' && name.test(e.name));
  }

  /** The reason a word is in a list: the line that put it there. */
  private why(w: string, name: RegExp): string {
    const t = wordText(w);
    const e = this.entryOf(w, name);
    const tag = wordTag(w);
    if (e) {
      const s = this.evn.fmt(e, t, this.ev);
      return tag >= 0 && e.mode !== 'unknown' ? `${s}; ${stripLoc(this.ev.reason(tag), e.loc)}` : s;
    }
    const base = `${this.fe.file} lists ${t.replace(HOLE, '…')}`;
    return tag >= 0 ? `${base}; ${this.ev.reason(tag)}` : base;
  }
}

function moduleName(text: string): string {
  return text.slice(0, -2).replace(/^.*\//, '');
}

function escapeRe(s: string): string { return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'); }
