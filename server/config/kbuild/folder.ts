// One folder's object lists, as scripts/Makefile.lib reads them: obj-y / obj-m / lib-y, composite
// objects (foo-y, foo-objs) replaced by their parts, `dir/` and subdir-y descents, and what the
// folder's lines name but leave out (a false ifdef, `obj-$(CONFIG_X)` with X unset), each with the
// line that says so. The folder's Makefile has already run (make/eval.ts); this reads its log.
import type { LogEntry, MakeEval } from '../make/eval';
import { referencedNames } from '../make/parse';
import { stripLoc } from '../make/expand';
import { HOLE, normalizeRel, splitWords, wordTag, wordText } from '../make/words';

export type MentionState = 'y' | 'm' | 'unknown' | 'n' | 'lib';

/** One Makefile line's say on one object. */
export interface Mention {
  /** The folder whose Makefile names the object: its reach caps the object. */
  folder: string;
  state: MentionState;
  why: string;
  module?: string;
}

/** An obj-m object: a module, when its folder is reached. */
export interface ModuleDecl {
  object: string;
  folder: string;
  name: string;
}

export interface SubdirMention {
  dir: string;
  kind: 'y' | 'm' | 'unknown' | 'subdir' | 'n';
  why: string;
}

export interface FolderEval {
  dir: string;
  /** The Makefile read, or why none was. */
  file: string;
  error?: string;
  /** Words kpath could not evaluate in the object lists: objects of the folder they may name. */
  holes: { re: RegExp; why: string }[];
  /** Something not understood that may change any object of the folder. */
  taint?: string;
}

/** Where a folder's reader puts what it finds. */
export interface MentionSink {
  addMention(obj: string, m: Mention): void;
  declareModule(d: ModuleDecl): void;
  topWhy(dirWord: string): string | undefined;
  fmt(e: LogEntry, word: string, ev: MakeEval): string;
}

export class FolderReader {
  private readonly byWord = new Map<string, LogEntry[]>();
  private readonly byName = new Map<string, LogEntry[]>();
  /** Objects this folder lists as built (y, m, lib), so that a mention elsewhere in its log is not an n. */
  private readonly positive = new Set<string>();
  /** Objects this folder says anything of (built or not). */
  private readonly mentioned = new Set<string>();
  private readonly composites = new Set<string>();

  constructor(
    private readonly evn: MentionSink,
    private readonly ev: MakeEval,
    private readonly fe: FolderEval,
    private readonly subs: SubdirMention[],
  ) {
    for (const e of ev.log) {
      const n = this.byName.get(e.name);
      if (n) n.push(e);
      else this.byName.set(e.name, [e]);
      for (const w of e.words) {
        const t = wordText(w);
        const l = this.byWord.get(t);
        if (l) {
          if (l[l.length - 1] !== e) l.push(e);
        } else this.byWord.set(t, [e]);
      }
    }
  }

  private get dir(): string {
    return this.fe.dir;
  }
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
  private object(
    text: string,
    state: MentionState,
    why: string,
    module: string | undefined,
    moduleObject: boolean,
    seen: Set<string>,
  ): void {
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
      this.evn.addMention(obj, {
        folder: this.dir,
        state: 'n',
        why: `${why}; ${text} is linked from the parts listed in ${stem}-y/${stem}-objs, so its own source is not compiled`,
      });
    }
    if (!parts) return;
    seen.add(stem);
    this.composites.add(stem);
    for (const p of parts.live) {
      const t = wordText(p);
      const pwhy = `${this.why(p, new RegExp(`^${escapeRe(stem)}-(objs|y|m)$`))}; part of ${text}: ${why}`;
      if (t.includes(HOLE)) {
        this.fe.holes.push({ re: holeRegex(t), why: pwhy });
        continue;
      }
      if (!t.endsWith('.o')) continue;
      const ps: MentionState = wordTag(p) >= 0 && state !== 'n' ? 'unknown' : state;
      this.object(t, ps, pwhy, module, false, seen);
    }
    for (const { word, entry } of parts.dead) {
      const o = this.rel(word);
      if (o === undefined || this.positive.has(o)) continue;
      const ewhy =
        entry.name === `${stem}-m` && state === 'y'
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
  private parts(
    stem: string,
    state: MentionState,
  ): { composite: boolean; live: string[]; dead: { word: string; entry: LogEntry }[] } | undefined {
    const suffixes = state === 'y' ? ['-objs', '-y'] : ['-objs', '-y', '-m'];
    const live: string[] = [];
    for (const s of suffixes) if (this.byName.has(stem + s) || this.ev.defined(stem + s)) live.push(...splitWords(this.ev.get(stem + s)));
    const composite =
      live.length > 0 || ((this.byName.has(`${stem}-`) || this.ev.defined(`${stem}-`)) && splitWords(this.ev.get(`${stem}-`)).length > 0);
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
      if (
        !c ||
        /^(obj|lib|subdir|always|extra|targets|hostprogs|userprogs|ccflags|asflags|ldflags|cppflags|rustflags|subdir-ccflags|subdir-asflags)$/.test(
          c[1],
        )
      )
        continue;
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
              ? {
                  folder: this.dir,
                  state: 'n',
                  why: `${why}; but ${name} no longer holds it when ${reader.loc.file}:${reader.loc.line} reads it (${reader.rawName} ${reader.op} …)`,
                }
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
    for (const v of [
      'hostprogs',
      'hostprogs-y',
      'hostprogs-m',
      'hostprogs-always-y',
      'hostprogs-always-m',
      'userprogs',
      'userprogs-always-y',
      'always-y',
      'always-m',
    ]) {
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

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** A regular expression for a word with holes (`foo_\x03.o` matches `foo_64.o`). */
function holeRegex(text: string): RegExp {
  const base = text.replace(/^.*\//, '');
  return new RegExp('^' + base.split(HOLE).map(escapeRe).join('.*') + '$');
}
