// The statement side of running a Makefile for one configuration: assignments, conditionals
// (decided, not taken, or undecided when they depend on what kpath cannot know), includes and
// `$(eval)`. Each assignment is logged with its line, so that kbuild can say which line decides a
// file. Expansion of values is the base class (make/expand.ts); parsing is make/parse.ts.
import { parseMakefile, type AssignOp, type AssignStmt, type CondStmt, type Loc, type Makefile, type Stmt } from './parse';
import { Expander, MAX_DEPTH, type ExpandHost, type Var } from './expand';
import {
  HOLE,
  TAG_FN,
  allMaybe,
  firstTag,
  hasUnknown,
  knownText,
  normalizeRel,
  normalizeWord,
  splitWords,
  tagWords,
  wordTag,
  wordText,
} from './words';

/** What the evaluator asks of the tree it runs in. */
export interface EvalHost extends ExpandHost {
  /** An included file, root-relative: parsed, or why it is not read ('skip': on purpose, silently). */
  include(rel: string): Makefile | 'missing' | 'skip' | 'unreadable';
  /** The name to assign when an assignment's name is partly unknown (`obj-$(shell …)`), its words then tagged; undefined: a problem. */
  unknownName?(inner: string): string | undefined;
  /** Which assignments are recorded in the log (by expanded name). */
  logName?(name: string): boolean;
  /** Which statements of which file run (the top Makefile is read leniently); all when absent. */
  keep?(st: Stmt): boolean;
}

/** Why a block is not run: the conditional that decides it, and whether the block is its else. */
export interface DeadWhy {
  cond: Loc;
  inElse: boolean;
}

/** One assignment, as run (or skipped), for the reasons given to the user. */
export interface LogEntry {
  loc: Loc;
  /** The name as written and as expanded (without tags). */
  rawName: string;
  name: string;
  op: AssignOp;
  rawValue: string;
  /** The value's words at the time of the assignment. */
  words: string[];
  mode: 'live' | 'unknown' | 'dead';
  /** unknown: the reason id; */
  why?: number;
  /** dead: the conditional that excludes it. */
  dead?: DeadWhy;
  /** live: the innermost conditional around it, when there is one. */
  within?: DeadWhy;
}

type Ctx = { mode: 'live'; within?: DeadWhy } | { mode: 'unknown'; id: number } | { mode: 'dead'; why: DeadWhy };

const NOWHERE: Loc = { file: '', line: 0, text: '' };

/** Runs Makefiles over one set of variables. Variables not set here are looked up in `base` (shared, read-only). */
export class MakeEval extends Expander<EvalHost> {
  readonly exported = new Set<string>();
  readonly log: LogEntry[] = [];
  readonly problems: string[] = [];
  /** Reasons for the statements that may change what is built but were not understood. */
  readonly taints: number[] = [];
  /** Nesting of includes and $(eval). */
  private depth = 0;
  private noSideEffects = 0;

  /** The Makefiles run, the included ones too. */
  readonly files: Makefile[] = [];

  /**
   * `allBranches`: run both branches of every conditional (as if undecided), to learn everything a
   * Makefile can name (for a folder that is not built, whose objects are then all not built).
   */
  constructor(
    host: EvalHost,
    base: ReadonlyMap<string, Var> = new Map(),
    private readonly allBranches = false,
  ) {
    super(host, base);
  }

  /** Run a parsed Makefile. Never throws. */
  run(mf: Makefile): void {
    for (const p of mf.problems) this.problems.push(p);
    this.files.push(mf);
    this.exec(mf.stmts, { mode: 'live' });
    this.loc = NOWHERE;
  }

  // -- statements --------------------------------------------------------------------------

  private exec(stmts: Stmt[], ctx: Ctx): void {
    for (const st of stmts) {
      if (this.host.keep && !this.host.keep(st)) continue;
      this.loc = st.loc;
      try {
        this.stmt(st, ctx);
      } catch (e) {
        // A Makefile kpath reads wrongly must not stop the others.
        this.problems.push(this.here(`kpath failed on this line (${(e as Error).message})`));
        this.taints.push(this.reasonId(this.here(`kpath could not evaluate ${st.loc.text}`)));
      }
    }
  }

  private stmt(st: Stmt, ctx: Ctx): void {
    switch (st.k) {
      case 'assign':
        return this.assign(st, ctx);
      case 'cond':
        return this.cond(st, ctx);
      case 'include':
        return this.include(st.paths, st.optional, ctx);
      case 'expand':
        if (ctx.mode !== 'dead') this.expandIn(st.text, ctx);
        return;
      case 'export':
        if (ctx.mode === 'dead') return;
        for (const w of splitWords(this.expand(st.names))) if (!hasUnknown(w)) this.exported.add(w);
        return;
      case 'undefine':
        if (ctx.mode === 'live') this.vars.delete(this.expand(st.name).trim());
        return;
      case 'bad':
        if (ctx.mode === 'dead') return;
        this.taints.push(this.reasonId(this.here(`kpath cannot read "${st.loc.text}" (${st.why})`)));
        return;
    }
  }

  private expandIn(text: string, ctx: Ctx): string {
    if (ctx.mode !== 'unknown') return this.expand(text);
    // $(eval) run under an undecided conditional assigns in that unknown context too.
    const saved = this.evalCtx;
    this.evalCtx = ctx;
    try {
      return this.expand(text);
    } finally {
      this.evalCtx = saved;
    }
  }
  private evalCtx: Ctx | undefined;

  private assign(st: AssignStmt, ctx: Ctx): void {
    if (ctx.mode === 'dead') {
      this.noSideEffects++;
      try {
        const name = this.expand(st.name).trim();
        const inner = wordText(normalizeWord(name)).replace(/\x03/g, '');
        if (this.host.logName?.(inner))
          this.log.push({
            loc: st.loc,
            rawName: st.name,
            name: inner,
            op: st.op,
            rawValue: st.value,
            words: splitWords(this.expand(st.value)),
            mode: 'dead',
            dead: ctx.why,
          });
      } finally {
        this.noSideEffects--;
      }
      return;
    }
    let name = this.expand(st.name).trim();
    let tag = ctx.mode === 'unknown' ? ctx.id : -1;
    const maybe = hasUnknown(name) ? knownText(name) : undefined;
    // A name built from a value set under an undecided conditional: assign it, undecided.
    if (maybe) {
      name = maybe.text;
      if (tag < 0) tag = maybe.tag;
    } else if (hasUnknown(name)) {
      const t = firstTag(name);
      const mapped = this.host.unknownName?.(wordText(normalizeWord(name.replace(/\s+/g, ''))));
      if (mapped === undefined) {
        this.problems.push(this.here(`an assignment to a variable kpath cannot name: ${st.name}`));
        this.taints.push(this.reasonId(this.here(`${st.loc.text} assigns a variable kpath cannot name (${this.reason(t)})`)));
        return;
      }
      name = mapped;
      tag = t;
    }
    if (!name) return;
    if (st.exported) this.exported.add(name);
    const words = this.setVar(name, st.op, st.value, tag);
    if (this.host.logName?.(name)) {
      this.log.push({
        loc: st.loc,
        rawName: st.name,
        name,
        op: st.op,
        rawValue: st.value,
        words,
        mode: tag >= 0 ? 'unknown' : 'live',
        ...(tag >= 0 ? { why: tag } : {}),
        ...(ctx.mode === 'live' && ctx.within ? { within: ctx.within } : {}),
      });
    }
  }

  /** Assign; `tag` ≥ 0 makes the new words "maybe" (an undecided conditional, a partly unknown name). Returns the assigned words. */
  private setVar(name: string, op: AssignOp, raw: string, tag: number): string[] {
    const old = this.lookup(name);
    const wrap = (r: string): string => (tag >= 0 ? `$(${TAG_FN} ${tag},${r})` : r);
    switch (op) {
      case '=': {
        if (tag >= 0 && old) {
          const prev = old.simple ? tagWords(old.value, tag) : wrap(old.value);
          this.vars.set(name, { value: `${prev} ${wrap(raw)}`, simple: false });
        } else this.vars.set(name, { value: wrap(raw), simple: false });
        return splitWords(this.expand(raw));
      }
      case ':=':
      case '::=':
      case ':::=': {
        const v = this.expand(raw);
        if (tag >= 0) {
          const prev = old ? (old.simple ? old.value : this.varValue(name)) : '';
          // Either the old value or the new one; when they read the same, that is the value (maybe).
          const same = splitWords(prev).map(wordText).join(' ') === splitWords(v).map(wordText).join(' ');
          this.vars.set(name, { value: same ? tagWords(v, tag) : `${tagWords(prev, tag)} ${tagWords(v, tag)}`.trim(), simple: true });
        } else this.vars.set(name, { value: v, simple: true });
        return splitWords(v);
      }
      case '+=': {
        if (!old) {
          this.vars.set(name, { value: wrap(raw), simple: false });
          return splitWords(this.expand(raw));
        }
        if (old.simple) {
          const v = this.expand(raw);
          this.vars.set(name, {
            value: old.value ? `${old.value} ${tag >= 0 ? tagWords(v, tag) : v}` : tag >= 0 ? tagWords(v, tag) : v,
            simple: true,
          });
          return splitWords(v);
        }
        this.vars.set(name, { value: old.value ? `${old.value} ${wrap(raw)}` : wrap(raw), simple: false });
        return splitWords(this.expand(raw));
      }
      case '?=':
        if (old) return [];
        this.vars.set(name, { value: wrap(raw), simple: false });
        return splitWords(this.expand(raw));
      case '!=': {
        const v = this.unknown(this.here(`${name} != runs a shell command`));
        this.vars.set(name, { value: v, simple: true });
        return [];
      }
    }
  }

  private cond(st: CondStmt, ctx: Ctx): void {
    if (ctx.mode === 'dead') {
      this.exec(st.then, ctx);
      this.exec(st.else, ctx);
      return;
    }
    const v = this.allBranches ? this.reasonId(this.here(`${st.loc.text}: both branches are read`)) : this.test(st);
    if (v === true) {
      this.exec(st.then, ctx.mode === 'live' ? { mode: 'live', within: { cond: st.loc, inElse: false } } : ctx);
      this.exec(st.else, { mode: 'dead', why: { cond: st.loc, inElse: true } });
    } else if (v === false) {
      this.exec(st.then, { mode: 'dead', why: { cond: st.loc, inElse: false } });
      this.exec(st.else, ctx.mode === 'live' ? { mode: 'live', within: { cond: st.loc, inElse: true } } : ctx);
    } else {
      const u: Ctx = { mode: 'unknown', id: v };
      this.exec(st.then, u);
      this.exec(st.else, u);
    }
  }

  /** A conditional's value: true, false, or the reason id when it depends on what kpath cannot know. */
  private test(st: CondStmt): boolean | number {
    const undecided = (inner: string): number => this.reasonId(this.here(`${st.loc.text} cannot be decided: ${inner}`));
    if (st.bad) return undecided(st.bad);
    if (st.kind === 'ifdef' || st.kind === 'ifndef') {
      const name = this.expand(st.a).trim();
      if (hasUnknown(name)) return undecided(this.inner(firstTag(name)));
      const v = this.lookup(name);
      let set: boolean | number;
      if (!v) set = this.host.undefinedIsUnknown(name) ? undecided(`${name} is set outside the Makefiles kpath reads`) : false;
      // ifdef does not expand the value: only whether it is empty counts.
      else if (!v.value.trim()) set = false;
      else if ((v.simple ? hasUnknown(v.value) : v.value.includes(TAG_FN)) && allMaybe(v.simple ? v.value : this.varValue(name))) {
        // Set only under an undecided conditional: whether it is set is undecided too.
        const val = v.simple ? v.value : this.varValue(name);
        set = undecided(this.inner(firstTag(val)));
      } else set = true;
      if (typeof set === 'number') return set;
      return st.kind === 'ifdef' ? set : !set;
    }
    const a = this.expand(st.a);
    const b = this.expand(st.b);
    if (hasUnknown(a) || hasUnknown(b)) return undecided(this.inner(firstTag(hasUnknown(a) ? a : b)));
    return (a === b) === (st.kind === 'ifeq');
  }

  private include(paths: string, optional: boolean, ctx: Ctx): void {
    if (ctx.mode === 'dead') return;
    if (this.depth > MAX_DEPTH) {
      this.problems.push(this.here('includes nested too deeply'));
      return;
    }
    const here = this.loc;
    for (const word of splitWords(this.expand(paths))) {
      const w = wordText(word);
      if (w.includes(HOLE)) {
        this.taints.push(this.reasonId(this.here(`includes a file kpath cannot name (${this.reason(wordTag(word))})`)));
        continue;
      }
      // A file included only maybe (its name set under an undecided conditional) is read as undecided.
      const inCtx: Ctx = wordTag(word) >= 0 && ctx.mode === 'live' ? { mode: 'unknown', id: wordTag(word) } : ctx;
      const rel = normalizeRel(w);
      const got = rel === undefined ? 'missing' : this.host.include(rel);
      if (got === 'skip') continue;
      if (got === 'missing' || got === 'unreadable') {
        if (optional && got === 'missing') continue;
        this.problems.push(this.here(`cannot read the included ${w}`));
        this.taints.push(this.reasonId(this.here(`the included ${w} cannot be read`)));
        continue;
      }
      this.depth++;
      try {
        for (const p of got.problems) this.problems.push(p);
        this.files.push(got);
        this.exec(got.stmts, inCtx);
      } finally {
        this.depth--;
        this.loc = here;
      }
    }
  }

  /** `$(eval)`: the text runs as statements, under the conditional around the reference. */
  protected evalText(text: string): string {
    if (this.noSideEffects) return '';
    const mf = parseMakefile(text, this.loc.file, this.loc.line);
    const here = this.loc;
    if (++this.depth > MAX_DEPTH) {
      this.depth--;
      return this.unknown(this.here('$(eval) nested too deeply'));
    }
    try {
      for (const p of mf.problems) this.problems.push(p);
      // The evaluated text carries the line of the $(eval) for its reasons.
      const ctx: Ctx = this.evalCtx ?? { mode: 'live' };
      this.exec(
        mf.stmts.map((s) => withLoc(s, here)),
        ctx,
      );
    } finally {
      this.depth--;
      this.loc = here;
    }
    return '';
  }
}

function withLoc(st: Stmt, loc: Loc): Stmt {
  const l: Loc = { file: loc.file, line: loc.line, text: st.loc.text };
  if (st.k === 'cond') return { ...st, loc: l, then: st.then.map((s) => withLoc(s, loc)), else: st.else.map((s) => withLoc(s, loc)) };
  return { ...st, loc: l };
}
