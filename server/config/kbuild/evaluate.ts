// What the kernel's Makefiles build for one configuration: each source file goes into vmlinux (y),
// into a module (m), nowhere (n), or kpath cannot tell (unknown), with the Makefile line that
// decides it. The Makefiles are parsed once per tree (KbuildTree, kept by the caller) and evaluated
// per configuration (evaluateKbuild), following scripts/Makefile.build and scripts/Makefile.lib:
// from the top (kbuild/top.ts) down the `dir/` and subdir-y descents, each folder's lists read by
// kbuild/folder.ts. This file walks the folders and answers for a file.
import * as path from 'node:path';
import type { Built } from '../../protocol';
import type { KernelConfig } from '../kconfig';
import { MakeEval, type EvalHost, type LogEntry } from '../make/eval';
import type { Var } from '../make/expand';
import { normalizeRel } from '../make/words';
import { baseVars, folderHost } from './env';
import { FolderReader, type FolderEval, type Mention, type MentionSink, type ModuleDecl, type SubdirMention } from './folder';
import { formatEntry } from './reasons';
import { TopMakefile, foreignLists } from './top';
import type { KbuildTree } from './tree';

export interface KbuildState {
  built: Built;
  why: string;
  module?: string;
}

/** A module the configuration builds: its name, its object (`drivers/net/veth.o`) and the objects linked into it. */
export interface KbuildModule {
  name: string;
  object: string;
  parts: string[];
}

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

// How a folder is reached: linked into vmlinux (y), only as a module folder (m: its obj-y objects
// are orphans), through something kpath cannot evaluate (unknown), or only by subdir-y (tools: no
// object there is linked into the kernel).
type Reach = 'y' | 'm' | 'unknown' | 'tools';

const RANK: Record<Built, number> = { y: 3, m: 2, unknown: 1, n: 0 };
const NOT_KERNEL = new Set(['tools', 'scripts', 'Documentation']);
const SOURCE_EXT = /\.(c|S|rs)$/;

/** Evaluate the tree's Makefiles for a configuration. Never throws. */
export function evaluateKbuild(tree: KbuildTree, config: KernelConfig): KbuildResult {
  return new Evaluation(tree, config);
}

class Evaluation implements KbuildResult, MentionSink {
  readonly arch: string | undefined;
  readonly problems: string[] = [];
  private readonly base: Map<string, Var>;
  private readonly folders = new Map<string, FolderEval>();
  private readonly reach = new Map<string, Map<Reach, string>>();
  private readonly excluded = new Map<string, string>();
  private readonly subdirsOf = new Map<string, SubdirMention[]>();
  private readonly objects = new Map<string, Mention[]>();
  private readonly moduleDecls: ModuleDecl[] = [];
  private readonly memo = new Map<string, KbuildState>();
  private moduleMap: Map<string, KbuildModule> | undefined;
  private readonly host: EvalHost;
  private readonly top: TopMakefile;

  constructor(
    private readonly tree: KbuildTree,
    private readonly config: KernelConfig,
  ) {
    this.arch = config.arch;
    this.host = folderHost(tree);
    this.base = baseVars(config);
    this.top = new TopMakefile({ tree, config, host: this.host, base: this.base, problems: this.problems, excluded: this.excluded });
    this.visitAll();
  }

  /** @internal: the top Makefile's line that lists a folder, for reasons. */
  topWhy(dirWord: string): string | undefined {
    return this.top.why(dirWord);
  }

  // -- walking the folders -------------------------------------------------------------------

  private visitAll(): void {
    const work: [string, Reach][] = [];
    const add = (dir: string, kind: Reach, why: string): void => {
      let r = this.reach.get(dir);
      if (!r) {
        r = new Map();
        this.reach.set(dir, r);
      }
      if (r.has(kind)) return;
      r.set(kind, why);
      work.push([dir, kind]);
    };
    add('', 'y', 'the top of the tree');
    const rootSubs = this.evalFolder('');
    // Older trees list the top folders in the top Makefile (core-y += kernel/ …), not in Kbuild.
    if (!rootSubs.some((s) => s.kind !== 'n')) this.top.rootFolders(rootSubs);
    while (work.length) {
      const [dir, kind] = work.pop()!;
      const subs = this.evalFolder(dir);
      for (const s of subs) {
        if (s.kind === 'n') {
          if (!this.excluded.has(s.dir)) this.excluded.set(s.dir, s.why);
          continue;
        }
        const next = childReach(kind, s.kind);
        // The reason is the line that decided the child's reach: its own, or the parent's cap.
        const inherited = this.reach.get(dir)!.get(kind)!;
        const why =
          next === 'tools'
            ? kind === 'tools'
              ? inherited
              : s.why
            : next === 'unknown'
              ? kind === 'unknown'
                ? inherited
                : s.why
              : next === 'm'
                ? s.kind === 'm'
                  ? s.why
                  : inherited
                : s.why;
        add(s.dir, next, why);
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
  declareModule(d: ModuleDecl): void {
    this.moduleDecls.push(d);
  }

  /** @internal used by FolderReader */
  addMention(obj: string, m: Mention): void {
    const list = this.objects.get(obj);
    if (list) list.push(m);
    else this.objects.set(obj, [m]);
  }

  /** @internal: a log entry as a reason, with the options it names in this configuration. */
  fmt(e: LogEntry, word: string, ev: MakeEval): string {
    return formatEntry(e, word, ev, this.config);
  }

  get configModules(): boolean {
    return this.config.values.has('CONFIG_MODULES');
  }
  isLibRoot(dir: string): boolean {
    return this.top.libRoots.has(dir);
  }

  // -- answers -------------------------------------------------------------------------------

  file(relIn: string): KbuildState {
    const rel = normalizeRel(relIn) ?? relIn;
    let s = this.memo.get(rel);
    if (!s) {
      s = this.compute(rel);
      this.memo.set(rel, s);
    }
    return s;
  }

  private compute(rel: string): KbuildState {
    const segs = rel.split('/');
    const top = segs[0];
    if (NOT_KERNEL.has(top) && segs.length > 1) return { built: 'n', why: `${top}/ is not part of the kernel build` };
    if (top === 'samples' && !this.config.values.has('CONFIG_SAMPLES'))
      return { built: 'n', why: 'samples/ is not part of the kernel build (CONFIG_SAMPLES is not set)' };
    if (top === 'arch' && segs.length > 2 && this.arch && segs[1] !== this.arch)
      return { built: 'n', why: `arch/${segs[1]} is not this config's architecture (${this.arch})` };
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
    for (const m of this.objects.get(obj) ?? []) {
      const t = this.folders.get(m.folder)?.taint;
      if (t) return t;
    }
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
      const next = dir
        .split('/')
        .slice(0, a ? a.split('/').length + 1 : 1)
        .join('/');
      return { built: 'unknown', why: `no Makefile names ${next}/ (${fe?.file ?? `${a}/Makefile`} does not list it)` };
    }
    const reach = this.reach.get(dir);
    const tools = reach && reach.size === 1 && reach.has('tools');
    return {
      built: 'unknown',
      why: `no Makefile in ${dir || '.'} names ${base}${tools ? ` (the folder is visited only by subdir-y: ${reach!.get('tools')})` : ''}`,
    };
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
        addMention: (obj) => {
          if (!dead.has(obj)) dead.set(obj, why);
        },
        declareModule: () => {},
        topWhy: () => undefined,
        fmt: (e, w, ev) => this.fmt(e, w, ev),
      };
      for (const sub of this.readFolder(dir, sink, false)) work.push([sub.dir, why]);
    }
    return dead;
  }
  private dead: Map<string, string> | undefined;

  /** The folders only other architectures' Makefiles list, evaluated once, on the first file that needs it. */
  private foreignLists(): ReadonlyMap<string, string> {
    return (this.foreign ??= foreignLists(this.tree, this.host, this.base, this.arch));
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
    if (kind === 'tools')
      return { built: 'n', why: `${m.why}; but ${m.folder}/ is visited only by subdir-y (${gate}), which builds nothing into the kernel` };
    if (kind === 'unknown') return { built: 'unknown', why: `${m.why}; ${gate}`, ...mod };
    if (m.state === 'unknown') return { built: 'unknown', why: m.why, ...mod };
    if (m.state === 'lib') {
      if (kind === 'm')
        return { built: 'n', why: `${m.why}; but ${m.folder}/ is reached only as a module folder (${gate}), and its lib.a is not linked` };
      if (!this.isLibRoot(m.folder))
        return {
          built: 'unknown',
          why: `${m.why}; a member of ${m.folder}/lib.a, which no libs-y links into vmlinux (special rules may link it elsewhere)`,
        };
      if (!this.configModules)
        return {
          built: 'unknown',
          why: `${m.why}; a member of ${m.folder}/lib.a, linked into vmlinux only if something refers to it (CONFIG_MODULES is not set)`,
        };
      return { built: 'y', why: `${m.why} (a member of ${m.folder}/lib.a, linked whole into vmlinux)` };
    }
    if (kind === 'y') return { built: m.state, why: m.why, ...mod };
    // Reached only as a module folder: its modules are built, its built-in objects are orphans.
    if (m.state === 'm') return { built: 'm', why: m.why, ...mod };
    return {
      built: 'n',
      why: `${m.why}; but ${m.folder}/ is reached only as a module folder (${gate}), so its built-in objects are linked nowhere`,
    };
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
    for (const d of this.moduleDecls) {
      const m = map.get(d.object);
      if (m) byKey.set(`${d.folder}\0${d.name}`, m);
    }
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
