// Makefile statements and the parser that reads them: the part of GNU make that kernel Makefiles
// use to list objects (assignments, conditionals, includes, define, export). A Makefile is parsed
// once per tree, independent of any configuration; make/eval.ts then runs the statements per
// configuration. Kept apart from evaluation so that the syntax can be read (and tested) alone.

export type AssignOp = '=' | ':=' | '::=' | ':::=' | '+=' | '?=' | '!=';
export type CondKind = 'ifdef' | 'ifndef' | 'ifeq' | 'ifneq';

/** Where a statement is: the file (root-relative), its first line (1-based) and its text on one line. */
export interface Loc {
  file: string;
  line: number;
  text: string;
}

export interface AssignStmt {
  k: 'assign';
  loc: Loc;
  name: string;
  op: AssignOp;
  value: string;
  exported: boolean;
}
export interface CondStmt {
  k: 'cond';
  loc: Loc;
  kind: CondKind;
  a: string;
  b: string;
  then: Stmt[];
  else: Stmt[];
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

export interface Makefile {
  file: string;
  stmts: Stmt[];
  problems: string[];
}

const DIRECTIVE =
  /^(-include|sinclude|include|ifdef|ifndef|ifeq|ifneq|else|endif|export|unexport|override|private|define|endef|undefine|vpath)(?=[\s(]|$)/;

interface Frame {
  cond: CondStmt;
  inElse: boolean;
  chained: boolean;
}

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
    if (c === '\\' && s[i + 1] === '#') {
      out += '#';
      i++;
      continue;
    }
    if (c === '#') break;
    out += c;
  }
  return out;
}

/** The index just past the `)`/`}` that closes the reference opened at `open` (the `(`), or -1. */
export function closeOf(s: string, open: number): number {
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
    if (ch === '$') {
      i++;
      continue;
    }
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
        case 'ifdef':
        case 'ifndef':
        case 'ifeq':
        case 'ifneq': {
          const c = makeCond(word, rest, loc);
          cur().push(c);
          stack.push({ cond: c, inElse: false, chained: false });
          continue;
        }
        case 'else': {
          const f = stack[stack.length - 1];
          if (!f) {
            problems.push(`${file}:${lineNo}: else without if`);
            continue;
          }
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
          if (!stack.length) {
            problems.push(`${file}:${lineNo}: endif without if`);
            continue;
          }
          let f = stack.pop();
          while (f && f.chained) f = stack.pop();
          continue;
        }
        case 'include':
        case '-include':
        case 'sinclude':
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
          if (!m) {
            cur().push({ k: 'bad', loc, why: 'a define kpath cannot read' });
            continue;
          }
          const op = (m[2] ?? '=') as AssignOp;
          cur().push({ k: 'assign', loc, name: m[1], op, value: body.join('\n'), exported: false });
          continue;
        }
        case 'endef':
          problems.push(`${file}:${lineNo}: endef without define`);
          continue;
        case 'export':
        case 'override':
        case 'private':
        case 'unexport': {
          inRule = false;
          // `export VAR := x`, `override VAR = x`, `export VAR1 VAR2`, or bare `export`.
          while (/^(export|override|private)(\s|$)/.test(rest)) rest = rest.replace(/^\S+\s*/, '');
          if (word === 'unexport') continue;
          if (/^define(\s|$)/.test(rest)) {
            cur().push({ k: 'bad', loc, why: 'a prefixed define' });
            continue;
          }
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
    if (a === 'rule') {
      inRule = true;
      continue;
    }
    if (a) {
      if (!a.name) {
        cur().push({ k: 'bad', loc, why: 'an assignment without a name' });
        continue;
      }
      cur().push({ k: 'assign', loc, name: a.name, op: a.op, value: a.value, exported: false });
      continue;
    }
    if (s[0] === '$') {
      cur().push({ k: 'expand', loc, text: s });
      continue;
    }
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

/** The variables a Makefile's statements refer to by a literal name (`$(foo-y)`, `${foo-y}`, `$(foo-y:.o=.c)`). */
export function referencedNames(stmts: Stmt[], into: Set<string> = new Set()): Set<string> {
  const scan = (t: string): void => {
    if (t.indexOf('$') < 0) return;
    for (const m of t.matchAll(/\$[({]([A-Za-z0-9_.\-/]+)[)}:]/g)) into.add(m[1]);
  };
  for (const st of stmts) {
    switch (st.k) {
      case 'assign':
        scan(st.value);
        scan(st.name);
        break;
      case 'cond':
        scan(st.a);
        scan(st.b);
        referencedNames(st.then, into);
        referencedNames(st.else, into);
        break;
      case 'expand':
        scan(st.text);
        break;
      case 'include':
        scan(st.paths);
        break;
      default:
        break;
    }
  }
  return into;
}
