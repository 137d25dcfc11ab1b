// The little Python the selftests write in %{ }% blocks: assignments, `print(...)` and asserts on
// tcp_info fields (tcpi_*), e.g. `cwnd += 1; assert tcpi_snd_cwnd == cwnd, tcpi_snd_cwnd`.
// Variables persist across blocks as in packetdrill. Anything else is reported, not guessed.

import { TCP_STATE_NUMBER, TCPI_OPT } from './tcp/api';
import type { TcpState } from './tcp/types';

export interface PyCheck {
  text: string;
  ok: boolean;
  got: number;
}

export interface PyOutcome {
  checks: PyCheck[];
  unsupported: string[];
}

const OPS: Record<string, (a: number, b: number) => boolean> = {
  '==': (a, b) => a === b,
  '!=': (a, b) => a !== b,
  '<=': (a, b) => a <= b,
  '>=': (a, b) => a >= b,
  '<': (a, b) => a < b,
  '>': (a, b) => a > b,
};

/** Names packetdrill defines for the Python code (code.c): the states tcpi_ca_state reports. */
const PRELUDE: Record<string, number> = { TCP_CA_Open: 0, TCP_CA_Disorder: 1, TCP_CA_CWR: 2, TCP_CA_Recovery: 3, TCP_CA_Loss: 4 };

export function runPython(code: string, vars: Map<string, number>, info: Record<string, number> | undefined): PyOutcome {
  const out: PyOutcome = { checks: [], unsupported: [] };
  const name = (t: string): number | string => {
    if (/^tcpi_\w+$/.test(t)) {
      if (!info) return 'tcp_info with no connected socket';
      return info[t.slice(5)] ?? `tcp_info field ${t}`;
    }
    // packetdrill's python prelude names the CA states (TCP_CA_Open...), the tcpi_options bits
    // (TCPI_OPT_SACK...) and the TCP states (TCP_ESTABLISHED, TCP_CLOSE_WAIT...).
    const v =
      vars.get(t) ??
      (Object.hasOwn(PRELUDE, t)
        ? PRELUDE[t]
        : Object.hasOwn(TCPI_OPT, t)
          ? TCPI_OPT[t]
          : t.startsWith('TCP_')
            ? TCP_STATE_NUMBER[t.slice(4) as TcpState]
            : undefined);
    return v ?? `python name '${t}'`;
  };
  const value = (expr: string): number | string => evalInt(expr, name);
  // `if`/`elif`/`else` blocks by indentation: `skipAbove` is the indentation of a header whose
  // block is not run (every deeper line is skipped); `taken` says whether a branch of the chain at
  // that indentation already ran.
  let skipAbove = -1;
  const taken = new Map<number, boolean>();
  for (const [indent, raw] of pythonLines(code)) {
    const st = raw.trim();
    if (!st || st.startsWith('#')) continue;
    if (skipAbove >= 0 && indent > skipAbove) continue;
    skipAbove = -1;
    for (const k of [...taken.keys()]) if (k > indent) taken.delete(k);
    const branch = /^(if|elif|else)\b\s*(.*?)\s*:$/.exec(st);
    if (branch) {
      const chained = branch[1] !== 'if';
      if (chained && !taken.has(indent)) {
        out.unsupported.push(`python '${branch[1]}' without 'if'`);
        return out;
      }
      let run: boolean;
      if (chained && taken.get(indent)) run = false;
      else if (branch[1] === 'else') run = true;
      else {
        const c = value(branch[2]);
        if (typeof c === 'string') {
          out.unsupported.push(c);
          return out;
        }
        run = c !== 0;
      }
      taken.set(indent, (chained && taken.get(indent)) || run);
      if (!run) skipAbove = indent;
      continue;
    }
    if (!/^(?:else|elif)\b/.test(st)) taken.delete(indent);
    if (/^(print\s*\(|pass$)/.test(st)) continue;
    const asg = /^([A-Za-z_]\w*)\s*([+\-*]?=)\s*(.+)$/.exec(st);
    const asr = /^assert\s+(.+?)\s*(==|!=|<=|>=|(?<![<>])<(?![<=])|(?<![<>])>(?![>=]))\s*([^,]+?)\s*(,.*)?$/.exec(st);
    const truth = (!asr || compound(asr[1]) || compound(asr[3])) && /^assert\s+([^,]+?)\s*(,.*)?$/.exec(st);
    if (truth) {
      const a = value(truth[1]);
      if (typeof a === 'string') out.unsupported.push(a);
      else out.checks.push({ text: truth[1], ok: a !== 0, got: a });
    } else if (asr) {
      const a = value(asr[1]);
      const b = value(asr[3]);
      if (typeof a === 'string' || typeof b === 'string') {
        out.unsupported.push(typeof a === 'string' ? a : (b as string));
        continue;
      }
      out.checks.push({
        text: `${asr[1]} ${asr[2]} ${asr[3]}${typeof b === 'number' && !/^-?\d+$/.test(asr[3].trim()) ? ` (${b})` : ''}`,
        ok: OPS[asr[2]](a, b),
        got: a,
      });
    } else if (asg && !asg[3].startsWith('=')) {
      const v = value(asg[3]);
      if (typeof v === 'string') {
        out.unsupported.push(v);
        continue;
      }
      const prev = vars.get(asg[1]) ?? 0;
      vars.set(asg[1], asg[2] === '=' ? v : asg[2] === '+=' ? prev + v : asg[2] === '-=' ? prev - v : prev * v);
    } else {
      out.unsupported.push(`python statement '${st.slice(0, 40)}'`);
    }
  }
  return out;
}

/** The code's simple statements with the indentation of their line (`;` separates statements on
 * one line, which share it). A line ending in a backslash continues on the next (Python's explicit
 * line joining), which keeps the first line's indentation. */
function pythonLines(code: string): [number, string][] {
  const out: [number, string][] = [];
  for (const line of code.replace(/\\[ \t]*\r?\n/g, ' ').split('\n')) {
    const indent = /^[ \t]*/.exec(line)![0].replace(/\t/g, '        ').length;
    for (const st of line.split(';')) out.push([indent, st]);
  }
  return out;
}

/** A side of `assert a OP b` that is itself boolean (`and`, `or`, `not`, another comparison):
 * the whole condition is evaluated as one Python expression. */
function compound(side: string): boolean {
  return /\b(and|or|not)\b|[<>]=?|[=!]=/.test(side.replace(/<<|>>/g, ''));
}

const MAX_NESTING = 64;

const COMPARE: Readonly<Record<string, (a: number, b: number) => boolean>> = OPS;

// Python's integer operators by precedence, loosest first (comparisons are the assert's own).
const BINARY: ReadonlyArray<Record<string, (a: number, b: number) => number>> = [
  { '|': (a, b) => a | b },
  { '^': (a, b) => a ^ b },
  { '&': (a, b) => a & b },
  { '<<': (a, b) => a * 2 ** b, '>>': (a, b) => Math.floor(a / 2 ** b) },
  { '+': (a, b) => a + b, '-': (a, b) => a - b },
  { '*': (a, b) => a * b, '//': (a, b) => Math.floor(a / b), '%': (a, b) => a - Math.floor(a / b) * b },
];

/** An integer expression of names, numbers, parentheses, unary - and ~ and Python's integer
 * operators; the reason text when it is something else. */
export function evalInt(expr: string, name: (t: string) => number | string): number | string {
  const toks = expr.match(/0[xX][0-9a-fA-F]+|\d+|[A-Za-z_]\w*|<<|>>|\/\/|[=!<>]=|\S/g) ?? [];
  let i = 0;
  let depth = 0;
  const fail = `python expression '${expr.trim().slice(0, 80)}'`;
  // Python's boolean layer over the integer operators: `or`, `and`, `not`, and comparisons,
  // chained as Python chains them (a < b < c is a < b and b < c); True is 1, False 0.
  // `a or b` is a when a is true, else b; `a and b` is a when a is false, else b.
  const shortCircuit = (op: 'or' | 'and', next: () => number | string) => (): number | string => {
    let acc = next();
    while (typeof acc === 'number' && toks[i] === op) {
      i++;
      const rhs = next();
      if (typeof rhs === 'string') return rhs;
      acc = (acc !== 0) === (op === 'or') ? acc : rhs;
    }
    return acc;
  };
  const conjunction = (): number | string => shortCircuit('and', negation)();
  const disjunction = shortCircuit('or', conjunction);
  const negation = (): number | string => {
    if (toks[i] !== 'not') return comparison();
    if (depth >= MAX_NESTING) return `python expression nested deeper than ${MAX_NESTING} levels`;
    i++;
    depth++;
    const v = negation();
    depth--;
    return typeof v === 'string' ? v : v === 0 ? 1 : 0;
  };
  const comparison = (): number | string => {
    let lhs = level(0);
    let truth = 1;
    while (typeof lhs === 'number' && i < toks.length && Object.hasOwn(COMPARE, toks[i])) {
      const op = COMPARE[toks[i++]];
      const rhs = level(0);
      if (typeof rhs === 'string') return rhs;
      if (!op(lhs, rhs)) truth = 0;
      lhs = rhs;
      if (i >= toks.length || !Object.hasOwn(COMPARE, toks[i])) return truth;
    }
    return lhs;
  };
  const level = (n: number): number | string => {
    if (n === BINARY.length) return unary();
    let acc = level(n + 1);
    while (typeof acc === 'number' && i < toks.length && Object.hasOwn(BINARY[n], toks[i])) {
      const op = BINARY[n][toks[i++]];
      const rhs = level(n + 1);
      if (typeof rhs === 'string') return rhs;
      acc = op(acc, rhs);
    }
    return acc;
  };
  const unary = (): number | string => {
    const t = toks[i++];
    if (t === undefined) return fail;
    // Bounded like the script's own brackets (packetdrill/parse.ts): deep nesting is refused.
    if ((t === '(' || t === '-' || t === '~' || t === '+') && depth >= MAX_NESTING)
      return `python expression nested deeper than ${MAX_NESTING} levels`;
    if (t === '-' || t === '~' || t === '+') {
      depth++;
      const v = unary();
      depth--;
      return typeof v === 'string' ? v : t === '-' ? -v : t === '~' ? ~v : v;
    }
    if (t === '(') {
      depth++;
      const v = disjunction();
      depth--;
      return typeof v === 'string' || toks[i++] === ')' ? v : fail;
    }
    if (/^(0[xX][0-9a-fA-F]+|\d+)$/.test(t)) return Number(t);
    if (/^[A-Za-z_]\w*$/.test(t)) return name(t);
    return fail;
  };
  const v = disjunction();
  return typeof v === 'number' && i === toks.length ? v : typeof v === 'string' ? v : fail;
}
