// A reader for the part of GNU make that kernel Makefiles use to list objects: assignments,
// conditionals, includes and the text functions. A Makefile is parsed once (parseMakefile, config
// independent) and run per configuration (MakeEval). What make would compute but kpath cannot
// ($(shell), $(call cc-option,…), a variable kbuild sets elsewhere) expands to an UNKNOWN marker
// instead of the empty string, so that it surfaces as "unknown" rather than as a wrong "not built".
//
// Unknown text is carried inside ordinary strings so that every make function keeps working on it:
// a word that starts with TAG(id) is "maybe there" (the reason is reasons[id]); a HOLE inside a
// word's text stands for text kpath cannot know (`foo_$(shell x).o`), a lone HOLE for any words.

export type AssignOp = '=' | ':=' | '::=' | ':::=' | '+=' | '?=' | '!=';
export type CondKind = 'ifdef' | 'ifndef' | 'ifeq' | 'ifneq';

/** Where a statement is: the file (root-relative), its first line (1-based) and its text on one line. */
export interface Loc { file: string; line: number; text: string }

export interface AssignStmt { k: 'assign'; loc: Loc; name: string; op: AssignOp; value: string; exported: boolean }
export interface CondStmt {
  k: 'cond'; loc: Loc; kind: CondKind; a: string; b: string;
  then: Stmt[]; else: Stmt[];
  /** Set when the condition's syntax is not understood: it then answers unknown. */
  bad?: string;
}
export type Stmt =
  | AssignStmt
  | CondStmt
  | { k: 'include'; loc: Loc; paths: string; optional: boolean }
  | { k: 'expand'; loc: Loc; text: string }
  | { k: 'export'; loc: Loc; names: string }
  | { k: 'undefine'; loc: Loc; name: string }
  | { k: 'bad'; loc: Loc; why: string };

export interface Makefile { file: string; stmts: Stmt[]; problems: string[] }

// ---------------------------------------------------------------------------------------------
// Markers

const TAG_START = '\x01';
const TAG_END = '\x02';
/** Text kpath cannot know, inside a word (or standing for any number of words). */
export const HOLE = '\x03';
// The function name of the internal "tag this text" call; no Makefile can spell it.
const TAG_FN = '\x04tag';
const ID_BASE = 0xe000;
const ID_SPAN = 6000;

function tagOfId(id: number): string {
  return TAG_START + String.fromCharCode(ID_BASE + (id % ID_SPAN)) + String.fromCharCode(ID_BASE + Math.floor(id / ID_SPAN)) + TAG_END;
}
function idAt(s: string, at: number): number {
  return (s.charCodeAt(at + 1) - ID_BASE) + (s.charCodeAt(at + 2) - ID_BASE) * ID_SPAN;
}
const TAG_RE = /\x01[\s\S]{2}\x02/g;

export const hasUnknown = (s: string): boolean => s.indexOf(TAG_START) >= 0;

/** A word's reason id when it is tagged (maybe there, or partly unknown), else -1. */
export function wordTag(w: string): number { return w.charCodeAt(0) === 1 ? idAt(w, 0) : -1; }
/** A word's text without its tag (may contain HOLE). */
export function wordText(w: string): string { return w.charCodeAt(0) === 1 ? w.slice(4) : w; }

/** The first reason id in a text, or -1. */
export function firstTag(s: string): number {
  const at = s.indexOf(TAG_START);
  return at < 0 ? -1 : idAt(s, at);
}

// A word with markers anywhere becomes TAG(first id) + its text with the markers removed.
function normalizeWord(w: string): string {
  const at = w.indexOf(TAG_START);
  if (at < 0) return w;
  if (at === 0 && w.indexOf(TAG_START, 4) < 0) return w;
  return tagOfId(idAt(w, at)) + w.replace(TAG_RE, '');
}

/** Split a value into words (make's whitespace), each normalized so that a tag leads it. */
export function splitWords(s: string): string[] {
  const out: string[] = [];
  if (!s) return out;
  const marked = hasUnknown(s);
  for (const w of s.split(/[ \t\n\r\f\v]+/)) {
    if (!w) continue;
    if (marked) {
      const n = normalizeWord(w);
      // A tag that stands alone (no text) is an empty "maybe": nothing there for sure, nothing to report.
      if (n.length === 4 && n.charCodeAt(0) === 1) continue;
      out.push(n);
    } else out.push(w);
  }
  return out;
}

function tagWords(s: string, id: number): string {
  const ws = splitWords(s);
  for (let i = 0; i < ws.length; i++) if (ws[i].charCodeAt(0) !== 1) ws[i] = tagOfId(id) + ws[i];
  return ws.join(' ');
}

// ---------------------------------------------------------------------------------------------
// Parsing

const DIRECTIVE = /^(-include|sinclude|include|ifdef|ifndef|ifeq|ifneq|else|endif|export|unexport|override|private|define|endef|undefine|vpath)(?=[\s(]|$)/;

interface Frame { cond: CondStmt; inElse: boolean; chained: boolean }

function endsWithContinuation(s: string): boolean {
  let n = 0;
  for (let i = s.length - 1; i >= 0 && s[i] === '\\'; i--) n++;
  return n % 2 === 1;
}

// `#` starts a comment unless escaped as `\#` (which stands for a literal `#`).
function stripComment(s: string): string {
  const at = s.indexOf('#');
  if (at < 0) return s;
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === '\\' && s[i + 1] === '#') { out += '#'; i++; continue; }
    if (c === '#') break;
    out += c;
  }
  return out;
}

/** The index just past the `)`/`}` that closes the reference opened at `open` (the `(`), or -1. */
function closeOf(s: string, open: number): number {
  const o = s[open];
  const c = o === '(' ? ')' : '}';
  let depth = 0;
  for (let i = open; i < s.length; i++) {
    const ch = s[i];
    if (ch === o) depth++;
    else if (ch === c && --depth === 0) return i;
  }
  return -1;
}

/** Split an assignment: the name, the operator and the value; undefined when the line is a rule or neither. */
function splitAssign(s: string): { name: string; op: AssignOp; value: string } | 'rule' | undefined {
  for (let i = 0; i < s.length; i++) {
    const ch = s[i];
    if (ch === '$' && (s[i + 1] === '(' || s[i + 1] === '{')) {
      const e = closeOf(s, i + 1);
      if (e < 0) return undefined;
      i = e;
      continue;
    }
    if (ch === '$') { i++; continue; }
    if (ch === '=') {
      const p = s[i - 1];
      const op: AssignOp = p === '+' ? '+=' : p === '?' ? '?=' : p === '!' ? '!=' : '=';
      const nameEnd = op === '=' ? i : i - 1;
      return { name: s.slice(0, nameEnd).trim(), op, value: s.slice(i + 1).trim() };
    }
    if (ch === ':') {
      if (s.startsWith(':::=', i)) return { name: s.slice(0, i).trim(), op: ':::=', value: s.slice(i + 4).trim() };
      if (s.startsWith('::=', i)) return { name: s.slice(0, i).trim(), op: '::=', value: s.slice(i + 3).trim() };
      if (s[i + 1] === '=') return { name: s.slice(0, i).trim(), op: ':=', value: s.slice(i + 2).trim() };
      return 'rule';
    }
  }
  return undefined;
}

/** The two operands of `ifeq (a,b)` / `ifeq "a" "b"`, or a reason it cannot be read. */
function condArgs(rest: string): { a: string; b: string } | string {
  const r = rest.trim();
  if (r[0] === '(') {
    let depth = 0;
    let comma = -1;
    for (let i = 0; i < r.length; i++) {
      const ch = r[i];
      if (ch === '(' || ch === '{') depth++;
      else if (ch === ')' || ch === '}') {
        depth--;
        if (depth === 0) {
          if (comma < 0) return 'no comma between the operands';
          if (r.slice(i + 1).trim()) return 'text after the closing parenthesis';
          return { a: r.slice(1, comma).trim(), b: r.slice(comma + 1, i).trim() };
        }
      } else if (ch === ',' && depth === 1 && comma < 0) comma = i;
    }
    return 'unbalanced parentheses';
  }
  const q = /^(["'])(.*?)\1\s+(["'])(.*?)\3\s*$/.exec(r);
  if (q) return { a: q[2], b: q[4] };
  return 'operands are neither (a,b) nor "a" "b"';
}

/** Parse a Makefile's text. Never throws: what it cannot read becomes a `bad` statement and a problem. */
export function parseMakefile(text: string, file: string, firstLine = 1): Makefile {
  const lines = text.split('\n');
  const stmts: Stmt[] = [];
  const problems: string[] = [];
  const stack: Frame[] = [];
  const cur = (): Stmt[] => {
    const f = stack[stack.length - 1];
    return !f ? stmts : f.inElse ? f.cond.else : f.cond.then;
  };
  let inRule = false;
  for (let i = 0; i < lines.length; i++) {
    const lineNo = i + firstLine;
    let raw = lines[i];
    if (raw.endsWith('\r')) raw = raw.slice(0, -1);
    // A recipe line (and its continuations) belongs to the rule above it, whatever it looks like.
    if (inRule && raw[0] === '\t') {
      while (endsWithContinuation(raw) && i + 1 < lines.length) raw = lines[++i];
      continue;
    }
    let logical = raw;
    while (endsWithContinuation(logical) && i + 1 < lines.length) {
      let next = lines[++i];
      if (next.endsWith('\r')) next = next.slice(0, -1);
      logical = logical.slice(0, -1).replace(/[ \t]+$/, '') + ' ' + next.replace(/^[ \t]+/, '');
    }
    const s = stripComment(logical).trim();
    if (!s) continue;
    const loc: Loc = { file, line: lineNo, text: s.length > 160 ? s.slice(0, 157) + '…' : s };
    const d = DIRECTIVE.exec(s);
    if (d) {
      const word = d[1];
      let rest = s.slice(word.length).trim();
      switch (word) {
        case 'ifdef': case 'ifndef': case 'ifeq': case 'ifneq': {
          const c = makeCond(word, rest, loc);
          cur().push(c);
          stack.push({ cond: c, inElse: false, chained: false });
          continue;
        }
        case 'else': {
          const f = stack[stack.length - 1];
          if (!f) { problems.push(`${file}:${lineNo}: else without if`); continue; }
          if (f.inElse) problems.push(`${file}:${lineNo}: a second else for the if of line ${f.cond.loc.line}`);
          f.inElse = true;
          const e = /^(ifdef|ifndef|ifeq|ifneq)(?=[\s(]|$)/.exec(rest);
          if (e) {
            const c = makeCond(e[1] as CondKind, rest.slice(e[1].length).trim(), loc);
            f.cond.else.push(c);
            stack.push({ cond: c, inElse: false, chained: true });
          } else if (rest) problems.push(`${file}:${lineNo}: text after else ignored`);
          continue;
        }
        case 'endif': {
          if (!stack.length) { problems.push(`${file}:${lineNo}: endif without if`); continue; }
          let f = stack.pop();
          while (f && f.chained) f = stack.pop();
          continue;
        }
        case 'include': case '-include': case 'sinclude':
          inRule = false;
          cur().push({ k: 'include', loc, paths: rest, optional: word !== 'include' });
          continue;
        case 'define': {
          inRule = false;
          // The body is kept verbatim (comments included) up to the matching endef.
          const body: string[] = [];
          let depth = 1;
          while (++i < lines.length) {
            const l = lines[i].replace(/\r$/, '');
            const t = l.trim();
            if (/^define(\s|$)/.test(t)) depth++;
            else if (/^endef(\s|$)/.test(t) && --depth === 0) break;
            body.push(l);
          }
          if (depth !== 0) problems.push(`${file}:${lineNo}: define without endef`);
          const m = /^(\S+?)\s*(=|:=|::=|\+=|\?=)?\s*$/.exec(rest);
          if (!m) { cur().push({ k: 'bad', loc, why: 'a define kpath cannot read' }); continue; }
          const op = (m[2] ?? '=') as AssignOp;
          cur().push({ k: 'assign', loc, name: m[1], op, value: body.join('\n'), exported: false });
          continue;
        }
        case 'endef':
          problems.push(`${file}:${lineNo}: endef without define`);
          continue;
        case 'export': case 'override': case 'private': case 'unexport': {
          inRule = false;
          // `export VAR := x`, `override VAR = x`, `export VAR1 VAR2`, or bare `export`.
          while (/^(export|override|private)(\s|$)/.test(rest)) rest = rest.replace(/^\S+\s*/, '');
          if (word === 'unexport') continue;
          if (/^define(\s|$)/.test(rest)) { cur().push({ k: 'bad', loc, why: 'a prefixed define' }); continue; }
          const a = rest ? splitAssign(rest) : undefined;
          if (a && a !== 'rule') cur().push({ k: 'assign', loc, name: a.name, op: a.op, value: a.value, exported: word === 'export' });
          else if (word === 'export' && rest) cur().push({ k: 'export', loc, names: rest });
          continue;
        }
        case 'undefine':
          inRule = false;
          cur().push({ k: 'undefine', loc, name: rest.replace(/^override\s+/, '') });
          continue;
        case 'vpath':
          inRule = false;
          continue;
      }
    }
    inRule = false;
    const a = splitAssign(s);
    if (a === 'rule') { inRule = true; continue; }
    if (a) {
      if (!a.name) { cur().push({ k: 'bad', loc, why: 'an assignment without a name' }); continue; }
      cur().push({ k: 'assign', loc, name: a.name, op: a.op, value: a.value, exported: false });
      continue;
    }
    if (s[0] === '$') { cur().push({ k: 'expand', loc, text: s }); continue; }
    cur().push({ k: 'bad', loc, why: 'neither an assignment, a rule nor a directive' });
  }
  if (stack.length) problems.push(`${file}:${stack[0].cond.loc.line}: if without endif`);
  for (const st of stmts) collectBad(st, problems);
  return { file, stmts, problems };
}

function collectBad(st: Stmt, out: string[]): void {
  if (st.k === 'bad') out.push(`${st.loc.file}:${st.loc.line}: ${st.why}: ${st.loc.text}`);
  else if (st.k === 'cond') {
    if (st.bad) out.push(`${st.loc.file}:${st.loc.line}: ${st.bad}: ${st.loc.text}`);
    for (const s of st.then) collectBad(s, out);
    for (const s of st.else) collectBad(s, out);
  }
}

function makeCond(kind: CondKind, rest: string, loc: Loc): CondStmt {
  if (kind === 'ifdef' || kind === 'ifndef') {
    return { k: 'cond', loc, kind, a: rest, b: '', then: [], else: [], ...(rest ? {} : { bad: `${kind} without a variable` }) };
  }
  const args = condArgs(rest);
  if (typeof args === 'string') return { k: 'cond', loc, kind, a: '', b: '', then: [], else: [], bad: `${kind} ${args}` };
  return { k: 'cond', loc, kind, a: args.a, b: args.b, then: [], else: [] };
}

// ---------------------------------------------------------------------------------------------
// Evaluation

export interface Var { value: string; simple: boolean }

/** What the evaluator asks of the tree it runs in. */
export interface EvalHost {
  /** An included file, root-relative: parsed, or why it is not read ('skip': on purpose, silently). */
  include(rel: string): Makefile | 'missing' | 'skip' | 'unreadable';
  /** `$(wildcard)` of one pattern (as written, root-relative); undefined when kpath cannot answer. */
  wildcard(pattern: string): string[] | undefined;
  /** Whether an undefined variable stands for something set outside the Makefiles read (unknown) rather than empty. */
  undefinedIsUnknown(name: string): boolean;
  /** The name to assign when an assignment's name is partly unknown (`obj-$(shell …)`), its words then tagged; undefined: a problem. */
  unknownName?(inner: string): string | undefined;
  /** Which assignments are recorded in the log (by expanded name). */
  logName?(name: string): boolean;
  /** Which statements of which file run (the top Makefile is read leniently); all when absent. */
  keep?(st: Stmt): boolean;
}

/** Why a block is not run: the conditional that decides it, and whether the block is its else. */
export interface DeadWhy { cond: Loc; inElse: boolean }

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

const FUNCTIONS = new Set([
  'subst', 'patsubst', 'strip', 'findstring', 'filter', 'filter-out', 'sort', 'word', 'wordlist', 'words', 'firstword',
  'lastword', 'dir', 'notdir', 'suffix', 'basename', 'addsuffix', 'addprefix', 'join', 'wildcard', 'realpath', 'abspath',
  'error', 'warning', 'info', 'shell', 'origin', 'flavor', 'foreach', 'if', 'or', 'and', 'call', 'eval', 'file', 'value',
  'let', 'intcmp', 'guile', TAG_FN,
]);

const MAX_DEPTH = 40;

/** Runs Makefiles over one set of variables. Variables not set here are looked up in `base` (shared, read-only). */
export class MakeEval {
  readonly vars = new Map<string, Var>();
  readonly exported = new Set<string>();
  readonly log: LogEntry[] = [];
  readonly problems: string[] = [];
  /** Reasons for the statements that may change what is built but were not understood. */
  readonly taints: number[] = [];
  private readonly reasons: string[] = [];
  private readonly reasonIds = new Map<string, number>();
  private loc: Loc = { file: '', line: 0, text: '' };
  private expanding = new Set<string>();
  /** Nesting of includes and $(eval); of references being expanded. */
  private depth = 0;
  private refDepth = 0;
  private noSideEffects = 0;

  /** The Makefiles run, the included ones too. */
  readonly files: Makefile[] = [];

  /**
   * `allBranches`: run both branches of every conditional (as if undecided), to learn everything a
   * Makefile can name (for a folder that is not built, whose objects are then all not built).
   */
  constructor(private readonly host: EvalHost, private readonly base: ReadonlyMap<string, Var> = new Map(), private readonly allBranches = false) {}

  /** The text of a reason id. */
  reason(id: number): string { return this.reasons[id] ?? 'a value kpath cannot evaluate'; }

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
  unknown(text: string): string { return tagOfId(this.reasonId(text)) + HOLE; }

  // Values expanded after the run (obj-y read by kbuild) have no line of their own: the reason then
  // names none, and the caller names the assignment's line.
  private here(what: string): string { return this.loc.line ? `${this.loc.file}:${this.loc.line}: ${what}` : what; }

  /** A reason without a leading `file:line: ` that repeats the current location. */
  private inner(id: number): string { return stripLoc(this.reason(id), this.loc); }

  lookup(name: string): Var | undefined { return this.vars.get(name) ?? this.base.get(name); }

  /** A variable's value, expanded (as `$(name)` would be). */
  get(name: string): string { return this.varValue(name); }

  /** Whether the variable is set here or in the base. */
  defined(name: string): boolean { return this.vars.has(name) || this.base.has(name); }

  /** Set a simple variable (before running: the environment kbuild gives a Makefile). */
  set(name: string, value: string): void { this.vars.set(name, { value, simple: true }); }

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
      case 'assign': return this.assign(st, ctx);
      case 'cond': return this.cond(st, ctx);
      case 'include': return this.include(st.paths, st.optional, ctx);
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
    try { return this.expand(text); } finally { this.evalCtx = saved; }
  }
  private evalCtx: Ctx | undefined;

  private assign(st: AssignStmt, ctx: Ctx): void {
    if (ctx.mode === 'dead') {
      this.noSideEffects++;
      try {
        const name = this.expand(st.name).trim();
        const inner = wordText(normalizeWord(name)).replace(/\x03/g, '');
        if (this.host.logName?.(inner)) this.log.push({ loc: st.loc, rawName: st.name, name: inner, op: st.op, rawValue: st.value, words: splitWords(this.expand(st.value)), mode: 'dead', dead: ctx.why });
      } finally { this.noSideEffects--; }
      return;
    }
    let name = this.expand(st.name).trim();
    let tag = ctx.mode === 'unknown' ? ctx.id : -1;
    const maybe = hasUnknown(name) ? knownText(name) : undefined;
    // A name built from a value set under an undecided conditional: assign it, undecided.
    if (maybe) { name = maybe.text; if (tag < 0) tag = maybe.tag; }
    else if (hasUnknown(name)) {
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
        loc: st.loc, rawName: st.name, name, op: st.op, rawValue: st.value, words,
        mode: tag >= 0 ? 'unknown' : 'live', ...(tag >= 0 ? { why: tag } : {}),
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
      case ':=': case '::=': case ':::=': {
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
        if (!old) { this.vars.set(name, { value: wrap(raw), simple: false }); return splitWords(this.expand(raw)); }
        if (old.simple) {
          const v = this.expand(raw);
          this.vars.set(name, { value: old.value ? `${old.value} ${tag >= 0 ? tagWords(v, tag) : v}` : (tag >= 0 ? tagWords(v, tag) : v), simple: true });
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
      }
      else set = true;
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
    if (this.depth > MAX_DEPTH) { this.problems.push(this.here('includes nested too deeply')); return; }
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
      } finally { this.depth--; this.loc = here; }
    }
  }

  // -- expansion ---------------------------------------------------------------------------

  /** Expand a text as make does at use. */
  expand(s: string): string {
    if (s.indexOf('$') < 0) return s;
    if (++this.refDepth > MAX_DEPTH * 4) { this.refDepth--; return this.unknown(this.here('references nested too deeply')); }
    try {
      let out = '';
      let i = 0;
      while (i < s.length) {
        const d = s.indexOf('$', i);
        if (d < 0) { out += s.slice(i); break; }
        out += s.slice(i, d);
        const c = s[d + 1];
        if (c === undefined) break;
        if (c === '$') { out += '$'; i = d + 2; continue; }
        if (c === '(' || c === '{') {
          const e = closeOf(s, d + 1);
          if (e < 0) { out += this.unknown(this.here('an unterminated variable reference')); break; }
          out += this.ref(s.slice(d + 2, e));
          i = e + 1;
          continue;
        }
        out += this.varValue(c);
        i = d + 2;
      }
      return out;
    } finally { this.refDepth--; }
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

  private varValue(name: string): string {
    const v = this.lookup(name);
    if (!v) {
      if (this.host.undefinedIsUnknown(name)) return this.unknown(`$(${name}) is set outside the Makefiles kpath reads`);
      return '';
    }
    if (v.simple) return v.value;
    if (this.expanding.has(name)) return this.unknown(this.here(`$(${name}) refers to itself`));
    this.expanding.add(name);
    try { return this.expand(v.value); } finally { this.expanding.delete(name); }
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
      case 'if': {
        const c = arg(0).trim();
        if (hasUnknown(c) && !splitWords(c).some((w) => w.charCodeAt(0) !== 1)) {
          const id = firstTag(c);
          return `${tagWords(arg(1), id)} ${tagWords(raw.length > 2 ? this.expand(raw.slice(2).join(',')) : '', id)}`.trim();
        }
        return c ? arg(1) : raw.length > 2 ? this.expand(raw.slice(2).join(',')) : '';
      }
      case 'or': {
        let maybe = -1;
        const seen: string[] = [];
        for (let i = 0; i < raw.length; i++) {
          const v = arg(i).trim();
          if (!v) continue;
          if (splitWords(v).some((w) => w.charCodeAt(0) !== 1)) return maybe >= 0 ? tagWords([...seen, v].join(' '), maybe) : v;
          if (maybe < 0) maybe = firstTag(v);
          seen.push(v);
        }
        return maybe >= 0 ? tagWords(seen.join(' '), maybe) : '';
      }
      case 'and': {
        let maybe = -1;
        let last = '';
        for (let i = 0; i < raw.length; i++) {
          last = arg(i).trim();
          if (!last) return '';
          if (!splitWords(last).some((w) => w.charCodeAt(0) !== 1) && maybe < 0) maybe = firstTag(last);
        }
        return maybe >= 0 ? tagWords(last, maybe) : last;
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
          if (saved) this.vars.set(v, saved); else this.vars.delete(v);
        }
        return out.join(' ');
      }
      case 'call': {
        const fn = arg(0).trim();
        if (hasUnknown(fn)) return unknownCall('cannot be evaluated');
        const def = this.lookup(fn);
        if (!def) {
          if (FUNCTIONS.has(fn)) return this.func(fn, raw.slice(1).join(','));
          return this.unknown(this.here(`$(call ${short(argText)}) cannot be evaluated: ${fn} is defined outside the Makefiles kpath reads`));
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
          try { return this.expand(def.value); } finally { this.expanding.delete(fn); }
        } finally {
          for (const [k, v] of saved) { if (v) this.vars.set(k, v); else this.vars.delete(k); }
        }
      }
      case 'eval': {
        const text = arg(0);
        if (this.noSideEffects) return '';
        const mf = parseMakefile(text, this.loc.file, this.loc.line);
        const here = this.loc;
        if (++this.depth > MAX_DEPTH) { this.depth--; return this.unknown(this.here('$(eval) nested too deeply')); }
        try {
          for (const p of mf.problems) this.problems.push(p);
          // The evaluated text carries the line of the $(eval) for its reasons.
          const ctx: Ctx = this.evalCtx ?? { mode: 'live' };
          this.exec(mf.stmts.map((s) => withLoc(s, here)), ctx);
        } finally { this.depth--; this.loc = here; }
        return '';
      }
      case 'shell': return unknownCall('is not run by kpath');
      case 'error': case 'warning': case 'info': return '';
      case 'value': {
        const v = this.lookup(arg(0).trim());
        return v ? v.value : '';
      }
      case 'origin': {
        const n = arg(0).trim();
        return this.vars.has(n) ? 'file' : this.base.has(n) ? 'command line' : this.host.undefinedIsUnknown(n) ? unknownCall('cannot be evaluated') : 'undefined';
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
      case 'strip': return splitWords(arg(0)).join(' ');
      case 'findstring': {
        const f = arg(0); const t = arg(1);
        if (hasUnknown(f) || hasUnknown(t)) return unknownCall('cannot be evaluated');
        return t.includes(f) ? f : '';
      }
      case 'subst': {
        const f = knownText(arg(0), false); const t = knownText(arg(1), false);
        if (!f || !t) return unknownCall('cannot be evaluated');
        const text = raw.length > 2 ? this.expand(raw.slice(2).join(',')) : '';
        return maybeTag(f.text ? text.split(f.text).join(t.text) : text + t.text, f.tag, t.tag);
      }
      case 'patsubst': {
        const f = knownText(arg(0)); const t = knownText(arg(1));
        if (!f || !t) return unknownCall('cannot be evaluated');
        return maybeTag(patsubstWords(f.text, t.text, arg(2)), f.tag, t.tag);
      }
      case 'filter': case 'filter-out': {
        const pats = splitWords(arg(0));
        const words = splitWords(arg(1));
        const patTag = pats.find((p) => p.charCodeAt(0) === 1);
        const known = pats.filter((p) => p.charCodeAt(0) !== 1);
        const out: string[] = [];
        for (const w of words) {
          const text = wordText(w);
          if (text.includes(HOLE)) { out.push(w); continue; }
          const hit = known.some((p) => patMatch(p, text) !== undefined);
          const keep = name === 'filter' ? hit : !hit;
          if (keep) out.push(patTag !== undefined && w.charCodeAt(0) !== 1 ? tagOfId(wordTag(patTag)) + w : w);
          else if (patTag !== undefined && name === 'filter') out.push(w.charCodeAt(0) === 1 ? w : tagOfId(wordTag(patTag)) + w);
        }
        return out.join(' ');
      }
      case 'sort': {
        const best = new Map<string, string>();
        for (const w of splitWords(arg(0))) {
          const t = wordText(w);
          const had = best.get(t);
          if (!had || (had.charCodeAt(0) === 1 && w.charCodeAt(0) !== 1)) best.set(t, w);
        }
        return [...best.keys()].sort().map((k) => best.get(k)!).join(' ');
      }
      case 'words': case 'firstword': case 'lastword': case 'word': case 'wordlist': {
        const nums = name === 'word' ? 1 : name === 'wordlist' ? 2 : 0;
        const ns = raw.slice(0, nums).map((r) => this.expand(r).trim());
        const ws = splitWords(raw.length > nums ? this.expand(raw.slice(nums).join(',')) : '');
        if (ns.some(hasUnknown) || ws.some((w) => w.charCodeAt(0) === 1)) return unknownCall('counts words kpath cannot know');
        if (name === 'words') return String(ws.length);
        if (name === 'firstword') return ws[0] ?? '';
        if (name === 'lastword') return ws[ws.length - 1] ?? '';
        const a = Number(ns[0]);
        if (!Number.isInteger(a) || a < 1) return unknownCall('has a bad index');
        if (name === 'word') return ws[a - 1] ?? '';
        const b = Number(ns[1]);
        return Number.isInteger(b) ? ws.slice(a - 1, b).join(' ') : unknownCall('has a bad index');
      }
      case 'dir': case 'notdir': case 'suffix': case 'basename':
        return mapWords(arg(0), (t) => {
          const slash = t.lastIndexOf('/');
          if (name === 'dir') return slash < 0 ? './' : t.slice(0, slash + 1);
          if (name === 'notdir') return t.slice(slash + 1);
          const dot = t.lastIndexOf('.');
          const hasSuffix = dot > slash;
          if (name === 'suffix') return hasSuffix ? t.slice(dot) : '';
          return hasSuffix ? t.slice(0, dot) : t;
        }, false);
      case 'addsuffix': case 'addprefix': {
        const x = knownText(arg(0));
        if (!x) return unknownCall('cannot be evaluated');
        const text = raw.length > 1 ? this.expand(raw.slice(1).join(',')) : '';
        return maybeTag(mapWords(text, (t) => (name === 'addsuffix' ? t + x.text : x.text + t), true), x.tag, -1);
      }
      case 'join': {
        const a = splitWords(arg(0)); const b = splitWords(arg(1));
        if ([...a, ...b].some((w) => w.charCodeAt(0) === 1)) return unknownCall('cannot be evaluated');
        const out: string[] = [];
        for (let i = 0; i < Math.max(a.length, b.length); i++) out.push((a[i] ?? '') + (b[i] ?? ''));
        return out.join(' ');
      }
      default:
        // realpath, abspath, file, let, intcmp, guile: not needed for object lists.
        return unknownCall('is not evaluated by kpath');
    }
  }
}

/** The variables a Makefile's statements refer to by a literal name (`$(foo-y)`, `${foo-y}`, `$(foo-y:.o=.c)`). */
export function referencedNames(stmts: Stmt[], into: Set<string> = new Set()): Set<string> {
  const scan = (t: string): void => {
    if (t.indexOf('$') < 0) return;
    for (const m of t.matchAll(/\$[({]([A-Za-z0-9_.\-/]+)[)}:]/g)) into.add(m[1]);
  };
  for (const st of stmts) {
    switch (st.k) {
      case 'assign': scan(st.value); scan(st.name); break;
      case 'cond': scan(st.a); scan(st.b); referencedNames(st.then, into); referencedNames(st.else, into); break;
      case 'expand': scan(st.text); break;
      case 'include': scan(st.paths); break;
      default: break;
    }
  }
  return into;
}

/**
 * The text of a value whose unknowns are only "maybe" tags (set under an undecided conditional,
 * not computed by what kpath cannot run), with the first tag; undefined when a part is unknown.
 */
function knownText(s: string, trim = true): { text: string; tag: number } | undefined {
  if (!hasUnknown(s)) return { text: trim ? s.trim() : s, tag: -1 };
  const text = s.replace(TAG_RE, '');
  if (text.includes(HOLE)) return undefined;
  return { text: trim ? text.trim() : text, tag: firstTag(s) };
}

/** Tag a result's words when one of the arguments that shaped it was only "maybe". */
function maybeTag(result: string, a: number, b: number): string {
  const id = a >= 0 ? a : b;
  return id >= 0 ? tagWords(result, id) : result;
}

const NOWHERE: Loc = { file: '', line: 0, text: '' };

/** A reason without its leading `file:line: ` when that is the given location. */
export function stripLoc(reason: string, loc: { file: string; line: number }): string {
  const p = `${loc.file}:${loc.line}: `;
  return reason.startsWith(p) ? reason.slice(p.length) : reason;
}

function allMaybe(s: string): boolean {
  const ws = splitWords(s);
  return ws.length > 0 && ws.every((w) => w.charCodeAt(0) === 1);
}

function withLoc(st: Stmt, loc: Loc): Stmt {
  const l: Loc = { file: loc.file, line: loc.line, text: st.loc.text };
  if (st.k === 'cond') return { ...st, loc: l, then: st.then.map((s) => withLoc(s, loc)), else: st.else.map((s) => withLoc(s, loc)) };
  return { ...st, loc: l };
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

/** Split a function's arguments at the commas outside nested parentheses. */
function splitArgs(s: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === '(' || c === '{') depth++;
    else if (c === ')' || c === '}') depth--;
    else if (c === ',' && depth === 0) { out.push(s.slice(start, i)); start = i + 1; }
  }
  out.push(s.slice(start));
  return out;
}

/** Match a make pattern (one `%`) against a text: the stem, or undefined. */
function patMatch(pat: string, text: string): string | undefined {
  const p = pat.indexOf('%');
  if (p < 0) return pat === text ? '' : undefined;
  const pre = pat.slice(0, p);
  const post = pat.slice(p + 1);
  if (text.length < pre.length + post.length || !text.startsWith(pre) || !text.endsWith(post)) return undefined;
  return text.slice(pre.length, text.length - post.length);
}

function patsubstWords(from: string, to: string, text: string): string {
  return mapWords(text, (t) => {
    const stem = patMatch(from, t);
    if (stem === undefined) return t;
    const p = to.indexOf('%');
    return p < 0 ? to : to.slice(0, p) + stem + to.slice(p + 1);
  }, false);
}

/** Apply a function to each word's text, keeping tags; words with holes are kept as they are unless `throughHoles`. */
function mapWords(text: string, f: (t: string) => string, throughHoles: boolean): string {
  const out: string[] = [];
  for (const w of splitWords(text)) {
    const tag = w.charCodeAt(0) === 1 ? w.slice(0, 4) : '';
    const t = tag ? w.slice(4) : w;
    if (!throughHoles && t.includes(HOLE)) { out.push(w); continue; }
    const r = f(t);
    if (r) out.push(tag + r);
  }
  return out.join(' ');
}

/** A root-relative path from what a Makefile wrote ($(srctree) is `.`); undefined when it leaves the tree or is absolute. */
export function normalizeRel(p: string): string | undefined {
  if (p.startsWith('/')) return undefined;
  const parts: string[] = [];
  for (const seg of p.split('/')) {
    if (!seg || seg === '.') continue;
    if (seg === '..') { if (!parts.length) return undefined; parts.pop(); continue; }
    parts.push(seg);
  }
  return parts.join('/');
}
