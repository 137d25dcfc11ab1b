// Expansion: what `$(name)`, `$(var:a=b)` and `$(function args)` give, over one set of variables,
// with what kpath cannot know kept as unknown words (make/words.ts). The reasons for unknowns are
// numbered here, so that a word carries only an id. The statement side (assignments,
// conditionals, includes) is make/eval.ts, which extends this class and runs `$(eval)`.
import { closeOf, type Loc } from './parse';
import { FUNCTIONS, patsubstWords, splitArgs, textFunction } from './functions';
import { HOLE, TAG_FN, firstTag, hasUnknown, knownText, maybeTag, splitWords, tagOfId, tagWords, wordTag } from './words';

export interface Var {
  value: string;
  simple: boolean;
}

/** What expansion asks of the tree it runs in. */
export interface ExpandHost {
  /** `$(wildcard)` of one pattern (as written, root-relative); undefined when kpath cannot answer. */
  wildcard(pattern: string): string[] | undefined;
  /** Whether an undefined variable stands for something set outside the Makefiles read (unknown) rather than empty. */
  undefinedIsUnknown(name: string): boolean;
}

/** How deep includes and $(eval) nest (references: four times this) before kpath gives up. */
export const MAX_DEPTH = 40;

/** A reason without its leading `file:line: ` when that is the given location. */
export function stripLoc(reason: string, loc: { file: string; line: number }): string {
  const p = `${loc.file}:${loc.line}: `;
  return reason.startsWith(p) ? reason.slice(p.length) : reason;
}

/** Expands text over its variables; variables not set here are looked up in `base` (shared, read-only). */
export abstract class Expander<H extends ExpandHost = ExpandHost> {
  readonly vars = new Map<string, Var>();
  private readonly reasons: string[] = [];
  private readonly reasonIds = new Map<string, number>();
  protected loc: Loc = { file: '', line: 0, text: '' };
  private expanding = new Set<string>();
  /** Nesting of references being expanded. */
  private refDepth = 0;

  constructor(
    protected readonly host: H,
    protected readonly base: ReadonlyMap<string, Var> = new Map(),
  ) {}

  /** `$(eval text)` with its text expanded: run it as statements; returns what the call expands to. */
  protected abstract evalText(text: string): string;

  /** The text of a reason id. */
  reason(id: number): string {
    return this.reasons[id] ?? 'a value kpath cannot evaluate';
  }

  /** A new (or the same) reason id for a text. */
  reasonId(text: string): number {
    let id = this.reasonIds.get(text);
    if (id === undefined) {
      id = this.reasons.length;
      this.reasons.push(text);
      this.reasonIds.set(text, id);
    }
    return id;
  }

  /** An unknown value: a hole tagged with the reason. */
  unknown(text: string): string {
    return tagOfId(this.reasonId(text)) + HOLE;
  }

  // Values expanded after the run (obj-y read by kbuild) have no line of their own: the reason then
  // names none, and the caller names the assignment's line.
  protected here(what: string): string {
    return this.loc.line ? `${this.loc.file}:${this.loc.line}: ${what}` : what;
  }

  /** A reason without a leading `file:line: ` that repeats the current location. */
  protected inner(id: number): string {
    return stripLoc(this.reason(id), this.loc);
  }

  lookup(name: string): Var | undefined {
    return this.vars.get(name) ?? this.base.get(name);
  }

  /** A variable's value, expanded (as `$(name)` would be). */
  get(name: string): string {
    return this.varValue(name);
  }

  /** Whether the variable is set here or in the base. */
  defined(name: string): boolean {
    return this.vars.has(name) || this.base.has(name);
  }

  /** Set a simple variable (before running: the environment kbuild gives a Makefile). */
  set(name: string, value: string): void {
    this.vars.set(name, { value, simple: true });
  }

  /** Expand a text as make does at use. */
  expand(s: string): string {
    if (s.indexOf('$') < 0) return s;
    if (++this.refDepth > MAX_DEPTH * 4) {
      this.refDepth--;
      return this.unknown(this.here('references nested too deeply'));
    }
    try {
      let out = '';
      let i = 0;
      while (i < s.length) {
        const d = s.indexOf('$', i);
        if (d < 0) {
          out += s.slice(i);
          break;
        }
        out += s.slice(i, d);
        const c = s[d + 1];
        if (c === undefined) break;
        if (c === '$') {
          out += '$';
          i = d + 2;
          continue;
        }
        if (c === '(' || c === '{') {
          const e = closeOf(s, d + 1);
          if (e < 0) {
            out += this.unknown(this.here('an unterminated variable reference'));
            break;
          }
          out += this.ref(s.slice(d + 2, e));
          i = e + 1;
          continue;
        }
        out += this.varValue(c);
        i = d + 2;
      }
      return out;
    } finally {
      this.refDepth--;
    }
  }

  private ref(body: string): string {
    const fm = /^([a-z-]+|\x04tag)[ \t]/.exec(body);
    if (fm) {
      if (FUNCTIONS.has(fm[1])) return this.func(fm[1], body.slice(fm[0].length));
      // `$(cc-option -foo)`: make reads it as an (empty) variable with a space in its name; it surely meant a call.
      return this.unknown(this.here(`$(${short(body)}) is not a function kpath knows`));
    }
    // Substitution reference: $(var:a=b) / $(var:%.o=%.c)
    const colon = topLevel(body, ':');
    if (colon >= 0) {
      const eq = body.indexOf('=', colon);
      if (eq > colon) {
        const v = this.varValue(this.expand(body.slice(0, colon)).trim());
        const from = this.expand(body.slice(colon + 1, eq));
        const to = this.expand(body.slice(eq + 1));
        const kf = knownText(from);
        const kt = knownText(to);
        if (!kf || !kt) return this.unknown(this.here(`$(${short(body)}) cannot be evaluated`));
        const pf = kf.text.includes('%') ? kf.text : `%${kf.text}`;
        const pt = kf.text.includes('%') ? kt.text : `%${kt.text}`;
        return maybeTag(patsubstWords(pf, pt, v), kf.tag, kt.tag);
      }
    }
    const name = this.expand(body);
    if (hasUnknown(name)) return tagOfId(firstTag(name)) + HOLE;
    return this.varValue(name);
  }

  protected varValue(name: string): string {
    const v = this.lookup(name);
    if (!v) {
      if (this.host.undefinedIsUnknown(name)) return this.unknown(`$(${name}) is set outside the Makefiles kpath reads`);
      return '';
    }
    if (v.simple) return v.value;
    if (this.expanding.has(name)) return this.unknown(this.here(`$(${name}) refers to itself`));
    this.expanding.add(name);
    try {
      return this.expand(v.value);
    } finally {
      this.expanding.delete(name);
    }
  }

  private func(name: string, argText: string): string {
    const raw = splitArgs(argText);
    const arg = (i: number): string => (raw[i] === undefined ? '' : this.expand(raw[i]));
    const unknownCall = (what: string): string => this.unknown(this.here(`$(${name} ${short(argText)}) ${what}`));
    switch (name) {
      case TAG_FN: {
        const c = argText.indexOf(',');
        return tagWords(this.expand(argText.slice(c + 1)), Number(argText.slice(0, c)));
      }
      case 'foreach': {
        const v = arg(0).trim();
        if (hasUnknown(v)) return unknownCall('cannot be evaluated');
        const list = splitWords(arg(1));
        const body = raw.slice(2).join(',');
        const saved = this.vars.get(v);
        const out: string[] = [];
        try {
          for (const w of list) {
            const t = wordTag(w);
            this.vars.set(v, { value: w, simple: true });
            const r = this.expand(body);
            out.push(t >= 0 ? tagWords(r, t) : r);
          }
        } finally {
          if (saved) this.vars.set(v, saved);
          else this.vars.delete(v);
        }
        return out.join(' ');
      }
      case 'call': {
        const fn = arg(0).trim();
        if (hasUnknown(fn)) return unknownCall('cannot be evaluated');
        const def = this.lookup(fn);
        if (!def) {
          if (FUNCTIONS.has(fn)) return this.func(fn, raw.slice(1).join(','));
          return this.unknown(
            this.here(`$(call ${short(argText)}) cannot be evaluated: ${fn} is defined outside the Makefiles kpath reads`),
          );
        }
        const args = raw.slice(1).map((r) => this.expand(r));
        const saved = new Map<string, Var | undefined>();
        const n = Math.max(args.length, 9);
        for (let i = 0; i <= n; i++) saved.set(String(i), this.vars.get(String(i)));
        try {
          this.vars.set('0', { value: fn, simple: true });
          for (let i = 1; i <= n; i++) this.vars.set(String(i), { value: args[i - 1] ?? '', simple: true });
          if (def.simple) return def.value;
          if (this.expanding.has(fn)) return this.unknown(this.here(`$(call ${fn}) calls itself`));
          this.expanding.add(fn);
          try {
            return this.expand(def.value);
          } finally {
            this.expanding.delete(fn);
          }
        } finally {
          for (const [k, v] of saved) {
            if (v) this.vars.set(k, v);
            else this.vars.delete(k);
          }
        }
      }
      case 'eval':
        return this.evalText(arg(0));
      case 'shell':
        return unknownCall('is not run by kpath');
      case 'error':
      case 'warning':
      case 'info':
        return '';
      case 'value': {
        const v = this.lookup(arg(0).trim());
        return v ? v.value : '';
      }
      case 'origin': {
        const n = arg(0).trim();
        return this.vars.has(n)
          ? 'file'
          : this.base.has(n)
            ? 'command line'
            : this.host.undefinedIsUnknown(n)
              ? unknownCall('cannot be evaluated')
              : 'undefined';
      }
      case 'flavor': {
        const v = this.lookup(arg(0).trim());
        return v ? (v.simple ? 'simple' : 'recursive') : 'undefined';
      }
      case 'wildcard': {
        const pats = arg(0);
        if (hasUnknown(pats)) return unknownCall('names files kpath cannot know');
        const out: string[] = [];
        for (const p of splitWords(pats)) {
          const got = this.host.wildcard(p);
          if (!got) return unknownCall('cannot be evaluated');
          out.push(...got);
        }
        return out.join(' ');
      }
      default: {
        const rest = (i: number): string => (raw.length > i ? this.expand(raw.slice(i).join(',')) : '');
        // realpath, abspath, file, let, intcmp, guile: not needed for object lists.
        return textFunction({ name, raw, arg, rest, unknown: unknownCall }) ?? unknownCall('is not evaluated by kpath');
      }
    }
  }
}

function short(s: string): string {
  const t = s.replace(/\s+/g, ' ').trim();
  return t.length > 60 ? t.slice(0, 57) + '…' : t;
}

/** The first index of `ch` outside nested references, or -1. */
function topLevel(s: string, ch: string): number {
  let depth = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === '(' || c === '{') depth++;
    else if (c === ')' || c === '}') depth--;
    else if (c === ch && depth === 0) return i;
  }
  return -1;
}
