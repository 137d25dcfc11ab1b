// Is this line compiled in this configuration? The Makefiles decide for a file (kbuild/), its
// `#if` arms for a line inside it (cpp.ts over the arms the parser recorded), and a `.c` file that
// no Makefile names is compiled as part of the `.c` files that `#include` it. Each answer carries
// the reason a reader can check: the Makefile line and option, or the `#if` line.
import * as path from 'node:path';
import type { FileFacts } from '../parse/facts';
import type { Built } from '../protocol';
import { ARM_STRIDE, armAt } from '../parse/conditionals';
import type { KernelConfig } from './kconfig';
import { evalCondition, unknownPart, type CppContext, type Tri } from './cpp';
import { testedHints } from './indirectHints';

export type { Built };
export interface BuiltState {
  built: Built;
  why: string;
  module?: string;
}

/** What the Makefiles say of one source file. */
export interface FileBuildSource {
  file(rel: string): BuiltState;
}

/** Order of preference when a file is reached in several ways: compiled in beats module beats unknown beats not compiled. */
const RANK: Record<Built, number> = { y: 3, m: 2, unknown: 1, n: 0 };
export function better(a: BuiltState, b: BuiltState): BuiltState {
  return RANK[b.built] > RANK[a.built] ? b : a;
}
export const isCompiled = (b: Built | undefined): boolean => b === 'y' || b === 'm';

/** Where the facts of the tree come from: the index's files, as they are now. */
export interface FactsSource {
  get(rel: string): FileFacts | undefined;
  keys(): Iterable<string>;
}

/** A file's text (the editor's buffer when open), for the few questions facts do not answer. */
export type TextSource = (rel: string) => string | undefined;

export class BuildView {
  private fileMemo = new Map<string, BuiltState>();
  private lineMemo = new Map<string, BuiltState>();
  private includedBy: Map<string, { file: string; line: number }[]> | undefined;
  private folderMemo = new Map<string, BuiltState>();
  private hintMemo = new Map<string, string[]>();

  constructor(
    readonly config: KernelConfig,
    private readonly kbuild: FileBuildSource,
    private readonly facts: FactsSource,
    private readonly text: TextSource,
  ) {}

  /** The `INDIRECT_CALL_*` hints of a site that this configuration's macros test, in their order. */
  hintsOf(file: string, macro: string, hints: string[]): string[] {
    const key = `${file}\0${macro}\0${hints.join(',')}`;
    let r = this.hintMemo.get(key);
    if (!r) {
      r = testedHints(file, macro, hints, { text: this.text, built: (rel, line) => this.at(rel, line).built });
      this.hintMemo.set(key, r);
    }
    return r;
  }

  /** Files changed: forget what was derived from them. */
  invalidate(): void {
    this.fileMemo.clear();
    this.lineMemo.clear();
    this.folderMemo.clear();
    this.hintMemo.clear();
    this.includedBy = undefined;
  }

  /** The state of a whole file, before its `#if` arms. */
  file(rel: string): BuiltState {
    let s = this.fileMemo.get(rel);
    if (!s) {
      // A cycle of `#include "x.c"` answers unknown rather than recursing for good.
      this.fileMemo.set(rel, { built: 'unknown', why: `${rel} is included by itself` });
      s = this.computeFile(rel);
      this.fileMemo.set(rel, s);
    }
    return s;
  }

  private computeFile(rel: string): BuiltState {
    const arch = this.config.arch;
    const m = /^arch\/([^/]+)\//.exec(rel);
    if (m && arch && m[1] !== arch) return { built: 'n', why: `arch/${m[1]} is not this configuration's architecture (${arch})` };
    if (!/\.c$/.test(rel)) return this.header(rel);
    const own = this.kbuild.file(rel);
    if (own.built === 'y') return own;
    // Compiled as part of the files that `#include "foo.c"` it: where no Makefile says more, they
    // alone decide (lib82596.c is built only if lasi_82596.c or sni_82596.c is).
    const includers = this.includers(rel);
    let s: BuiltState | undefined = own.built === 'unknown' ? undefined : own;
    for (const inc of includers) {
      const via = this.at(inc.file, inc.line);
      const st: BuiltState = { ...via, why: `#include'd by ${inc.file}:${inc.line + 1}; ${via.why}` };
      s = s ? better(s, st) : st;
    }
    return s ?? own;
  }

  /**
   * A header is compiled into the files that include it: those under include/ (and the
   * architecture's) go everywhere; one beside the sources of a folder is as built as they are.
   */
  private header(rel: string): BuiltState {
    if (rel.startsWith('include/') || /^arch\/[^/]+\/include\//.test(rel))
      return { built: 'y', why: 'a header under include/: compiled into the files that include it' };
    const dir = path.posix.dirname(rel);
    let s = this.folderMemo.get(dir);
    if (!s) {
      s = { built: 'unknown', why: `a header in ${dir}/, where no source file is indexed` };
      let best: BuiltState | undefined;
      for (const other of this.facts.keys()) {
        if (!other.endsWith('.c') || path.posix.dirname(other) !== dir) continue;
        const st = this.file(other);
        if (!best || RANK[st.built] > RANK[best.built]) best = { ...st, why: `a header beside ${other}: ${st.why}` };
        if (best.built === 'y') break;
      }
      if (best) s = best;
      this.folderMemo.set(dir, s);
    }
    return s;
  }

  private includers(rel: string): { file: string; line: number }[] {
    if (!this.includedBy) {
      this.includedBy = new Map();
      for (const file of this.facts.keys()) {
        for (const inc of this.facts.get(file)?.cIncludes ?? []) {
          const target = path.posix.normalize(path.posix.join(path.posix.dirname(file), inc.path));
          const list = this.includedBy.get(target);
          if (list) list.push({ file, line: inc.line });
          else this.includedBy.set(target, [{ file, line: inc.line }]);
        }
      }
    }
    return this.includedBy.get(rel) ?? [];
  }

  /** The state of one line of a file: the file's, unless an `#if` arm around the line is not taken. */
  at(rel: string, line: number): BuiltState {
    const key = `${rel}\0${line}`;
    let s = this.lineMemo.get(key);
    if (!s) {
      s = this.computeAt(rel, line);
      this.lineMemo.set(key, s);
    }
    return s;
  }

  private computeAt(rel: string, line: number): BuiltState {
    const f = this.file(rel);
    const conds = this.facts.get(rel)?.conds;
    if (!conds) return f;
    const ctx: CppContext = { config: this.config, module: f.built === 'm' ? true : f.built === 'y' ? false : undefined };
    let unknownWhy: string | undefined;
    for (let arm = armAt(conds, line); arm >= 0; arm = conds[arm * ARM_STRIDE + 2] as number) {
      const taken = armTaken(conds, arm, ctx);
      if (taken.value === false) return { built: 'n', why: `${rel}:${taken.line + 1}: ${taken.text}` };
      if (taken.value === undefined && !unknownWhy) unknownWhy = `${rel}:${taken.line + 1}: ${taken.text}`;
    }
    // An arm the config does not decide makes a compiled file's line unknown; a file not compiled stays so.
    if (unknownWhy && f.built !== 'n') return { built: 'unknown', why: unknownWhy, ...(f.module ? { module: f.module } : {}) };
    return f;
  }
}

/** Whether one arm is taken (its own condition, and none of the earlier arms of its group), with the line and words that decide. */
function armTaken(conds: (number | string)[], arm: number, ctx: CppContext): { value: Tri; line: number; text: string } {
  const at = arm * ARM_STRIDE;
  const own = conds[at + 4] as string;
  const line = conds[at] as number;
  let value: Tri = evalCondition(own, ctx);
  let text =
    value === false
      ? `#if ${own} is false${optionWords(own, ctx)}`
      : `#if ${own} depends on ${unknownPart(own, ctx) ?? 'what kpath cannot evaluate'}`;
  let decidingLine = line;
  for (let prev = conds[at + 3] as number; prev >= 0 && value !== false; prev = conds[prev * ARM_STRIDE + 3] as number) {
    const pe = conds[prev * ARM_STRIDE + 4] as string;
    const pv = evalCondition(pe, ctx);
    if (pv === true) {
      value = false;
      decidingLine = conds[prev * ARM_STRIDE] as number;
      text = `an earlier arm is taken: #if ${pe}${optionWords(pe, ctx)}`;
    } else if (pv === undefined && value === true) {
      value = undefined;
      decidingLine = conds[prev * ARM_STRIDE] as number;
      text = `an earlier arm #if ${pe} depends on ${unknownPart(pe, ctx) ?? 'what kpath cannot evaluate'}`;
    }
  }
  return { value, line: decidingLine, text };
}

/** `; CONFIG_X is not set` / `; CONFIG_X=m` for the options an expression names, as the reason's last words. */
function optionWords(expr: string, ctx: CppContext): string {
  const names = [...new Set(expr.match(/\bCONFIG_\w+/g) ?? [])].slice(0, 3);
  if (!names.length) return '';
  return ` (${names
    .map((n) => {
      const v = ctx.config.values.get(n.replace(/_MODULE$/, ''));
      return v === undefined ? `${n} is not set` : `${n}=${v}`;
    })
    .join(', ')})`;
}
