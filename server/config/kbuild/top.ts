// The top of the build: the top Makefile and the arch Makefile it includes say which folders kbuild
// visits from the root (core-y, drivers-y, libs-y, …; older trees list all the top folders there)
// and export variables every folder's Makefile sees. Also what the other architectures' Makefiles
// list: a folder only they name is not built by this configuration.
import type { KernelConfig } from '../kconfig';
import type { Var } from '../make/expand';
import { MakeEval, type EvalHost } from '../make/eval';
import type { Stmt } from '../make/parse';
import { HOLE, normalizeRel, splitWords, wordTag, wordText } from '../make/words';
import type { SubdirMention } from './folder';
import { formatEntry, showValue } from './reasons';
import type { KbuildTree } from './tree';

// Variables of the top Makefile that say which folders are visited (the old layout lists them all there).
const TOP_LISTS = /^(core|drivers|libs|net|init|virt)-/;
const TOP_KEEP = /^(core|drivers|libs|net|init|virt)-|^(ARCH_CORE|ARCH_LIB|ARCH_DRIVERS|VERSION|PATCHLEVEL|SUBLEVEL|EXTRAVERSION)$/;

/** What running the top needs, and where it puts what it finds besides its own answers. */
export interface TopInput {
  tree: KbuildTree;
  config: KernelConfig;
  /** How a folder's Makefile runs; the top narrows it. */
  host: EvalHost;
  /** The variables every folder's Makefile starts from: what the top exports is added. */
  base: Map<string, Var>;
  problems: string[];
  /** Folders a line names but does not build, with that line as the reason. */
  excluded: Map<string, string>;
}

/** The top Makefile and the arch Makefile, run for one configuration. */
export class TopMakefile {
  /** The evaluator that ran them: its log holds the lines that list folders. */
  readonly ev: MakeEval;
  /** The folders whose lib.a libs-y links into vmlinux. */
  readonly libRoots = new Set<string>();
  private readonly config: KernelConfig;

  constructor(input: TopInput) {
    const { tree, config, base, problems, excluded } = input;
    this.config = config;
    const archMakefile = config.arch ? `arch/${config.arch}/Makefile` : undefined;
    let archRead = false;
    const host: EvalHost = {
      ...input.host,
      // Of the top Makefile only the folder lists matter (and the arch Makefile it includes);
      // the rest (compiler probing, targets) is skipped rather than half-understood.
      keep: (st: Stmt) =>
        st.loc.file !== 'Makefile' ||
        st.k === 'cond' ||
        (st.k === 'assign' && TOP_KEEP.test(st.name)) ||
        (st.k === 'include' && /arch\/\$\(SRCARCH\)\/Makefile/.test(st.paths)),
      include: (rel) => {
        if (rel !== archMakefile) return input.host.include(rel);
        if (archRead) return 'skip';
        archRead = true;
        return tree.makefile(rel);
      },
      logName: (n) => TOP_LISTS.test(n),
    };
    const ev = new MakeEval(host, base);
    this.ev = ev;
    const top = tree.makefile('Makefile');
    if (typeof top === 'string') problems.push(`Makefile: ${top === 'missing' ? 'there is no top Makefile' : 'cannot be read'}`);
    else ev.run(top);
    if (!archRead && archMakefile) {
      const am = tree.makefile(archMakefile);
      if (typeof am === 'string') problems.push(`${archMakefile}: ${am === 'missing' ? 'not found' : 'cannot be read'}`);
      else ev.run(am);
    } else if (!archMakefile) problems.push('the configuration names no architecture: arch/ is not read');
    for (const p of ev.problems) problems.push(p);
    // What the top Makefile exports reaches every folder's Makefile (BITS, for `foo_$(BITS).o`).
    for (const name of ev.exported) {
      if (TOP_LISTS.test(name)) continue;
      if (ev.defined(name)) base.set(name, { value: ev.get(name), simple: true });
    }
    const words = (n: string): string[] => splitWords(ev.get(n));
    // The top Makefile exports ARCH_* (6.1+); when it does not, kbuild's own definition stands in.
    const derive = (n: string, f: () => string[]): void => {
      if (!ev.vars.has(n)) base.set(n, { value: f().join(' '), simple: true });
      else base.set(n, { value: ev.get(n), simple: true });
    };
    derive('ARCH_CORE', () => words('core-y'));
    derive('ARCH_LIB', () => words('libs-y').filter((w) => w.endsWith('/')));
    derive('ARCH_DRIVERS', () => [...words('drivers-y'), ...words('drivers-m')]);
    for (const w of words('libs-y')) if (w.endsWith('/') && wordTag(w) < 0) this.libRoots.add(normalizeRel(w) ?? w);
    // `drivers-$(CONFIG_MATH_EMULATION) += arch/x86/math-emu/` with the option unset.
    for (const e of ev.log) {
      if (e.mode !== 'dead' && /-[ym]$/.test(e.name)) continue;
      for (const w of e.words) {
        const t = wordText(w);
        const d = t.endsWith('/') ? normalizeRel(t) : undefined;
        if (d && !excluded.has(d)) excluded.set(d, formatEntry(e, t, ev, config));
      }
    }
  }

  /** The top Makefile's line that lists a folder (core-y, drivers-$(CONFIG_PCI), …), for reasons. */
  why(dirWord: string): string | undefined {
    for (const e of this.ev.log) {
      if (e.mode === 'dead') continue;
      if (e.words.some((w) => wordText(w) === dirWord)) return formatEntry(e, dirWord, this.ev, this.config);
    }
    return undefined;
  }

  /** The top folders as older trees list them, in the top Makefile (core-y += kernel/ …) rather than in Kbuild. */
  rootFolders(into: SubdirMention[]): void {
    const ev = this.ev;
    for (const list of ['init', 'core', 'drivers', 'net', 'libs', 'virt']) {
      for (const [suffix, kind] of [
        ['y', 'y'],
        ['m', 'm'],
      ] as const) {
        for (const w of splitWords(ev.get(`${list}-${suffix}`))) {
          const t = wordText(w);
          if (!t.endsWith('/')) continue;
          const dir = normalizeRel(t);
          if (dir === undefined) continue;
          const why = this.why(t) ?? `Makefile lists ${t} in ${list}-${suffix}`;
          into.push({ dir, kind: wordTag(w) >= 0 ? 'unknown' : kind, why: wordTag(w) >= 0 ? `${why}; ${ev.reason(wordTag(w))}` : why });
        }
      }
    }
  }
}

/** The folders the other architectures' Makefiles add to their core-y, drivers-y, libs-y: not this config's. */
export function foreignLists(
  tree: KbuildTree,
  host: EvalHost,
  base: ReadonlyMap<string, Var>,
  arch: string | undefined,
): Map<string, string> {
  const out = new Map<string, string>();
  for (const a of [...(tree.entries('arch') ?? [])].sort()) {
    if (a === arch) continue;
    const mf = tree.makefile(`arch/${a}/Makefile`);
    if (typeof mf === 'string') continue;
    // Both branches of every conditional: whatever that architecture may list is not this config's.
    const ev = new MakeEval({ ...host, include: () => 'skip', logName: (n) => TOP_LISTS.test(n) }, base, true);
    ev.set('SRCARCH', a);
    ev.set('ARCH', a);
    ev.run(mf);
    for (const e of ev.log) {
      for (const w of e.words) {
        const t = wordText(w);
        const d = t.endsWith('/') && !t.includes(HOLE) ? normalizeRel(t) : undefined;
        if (d && !d.startsWith(`arch/${a}/`) && !out.has(d))
          out.set(
            d,
            `arch/${a}/Makefile:${e.loc.line}: ${e.rawName} ${e.op} ${showValue(e.rawValue, t)} (arch/${a} is not this config's architecture, ${arch ?? 'unknown'})`,
          );
      }
    }
  }
  return out;
}
