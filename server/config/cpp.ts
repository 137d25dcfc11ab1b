// `#if` expressions evaluated under a kernel configuration, in three values: true, false, or unknown
// (a macro kpath does not know, `LINUX_VERSION_CODE`, a value defined in some header). Unknown is
// never turned into false: an arm is said not to be compiled only when the config decides it.
//
// As the kernel's generated autoconf.h has it: `CONFIG_X=y` defines CONFIG_X as 1; `CONFIG_X=m`
// defines CONFIG_X_MODULE (and not CONFIG_X); numbers and strings are defined as written; an unset
// option is not defined, and an undefined identifier in `#if` is 0. IS_ENABLED and friends are
// include/linux/kconfig.h's; MODULE is defined when the file is compiled into a module.
import type { KernelConfig } from './kconfig';

/** What the evaluation of a condition gives: 1/0 as numbers, or undefined when it cannot be known. */
export type Tri = boolean | undefined;

export interface CppContext {
  config: KernelConfig;
  /** The file is built as a module (MODULE defined), not (false), or not known. */
  module: boolean | undefined;
}

type Val = number | undefined;

/** Identifiers whose definition in a kernel build does not depend on the config. */
const FIXED: Record<string, Val> = {
  __KERNEL__: 1,
  __GNUC__: 12,
  __STDC__: 1,
  __linux__: 1,
  __linux: 1,
  linux: 1,
  __LINUX__: undefined,
  __ASSEMBLY__: 0,
  __ASSEMBLER__: 0,
  __GENKSYMS__: 0,
  __CHECKER__: 0,
  __clang__: 0,
  __cplusplus: 0,
  __BPF__: 0,
  __DISABLE_EXPORTS: undefined,
};

/** Whether `name` is defined, and its value, or undefined where it depends on what kpath cannot see. */
function lookup(name: string, ctx: CppContext): { defined: Tri; value: Val } {
  const { config } = ctx;
  if (name.startsWith('CONFIG_')) {
    const v = config.values.get(name);
    // `m` defines CONFIG_X_MODULE, not CONFIG_X.
    if (v === 'm') return { defined: false, value: 0 };
    if (v !== undefined) return { defined: true, value: v === 'y' ? 1 : numberOf(v) };
    if (name.endsWith('_MODULE')) {
      const base = config.values.get(name.slice(0, -'_MODULE'.length));
      if (base === 'm') return { defined: true, value: 1 };
    }
    return { defined: false, value: 0 };
  }
  if (name === 'MODULE')
    return ctx.module === undefined ? { defined: undefined, value: undefined } : { defined: ctx.module, value: ctx.module ? 1 : 0 };
  if (name in FIXED) {
    const v = FIXED[name];
    return { defined: v === undefined ? undefined : v !== 0, value: v };
  }
  const arch64 = config.values.get('CONFIG_64BIT') === 'y';
  if (name === 'BITS_PER_LONG' || name === '__BITS_PER_LONG') return { defined: true, value: arch64 ? 64 : 32 };
  if (config.arch === 'x86') {
    if (name === '__x86_64__') return { defined: arch64, value: arch64 ? 1 : 0 };
    if (name === '__i386__') return { defined: !arch64, value: arch64 ? 0 : 1 };
  }
  return { defined: undefined, value: undefined };
}

function numberOf(v: string): Val {
  if (/^-?(0x[0-9a-f]+|\d+)$/i.test(v)) return Number(v);
  return undefined; // a string option: an error in #if, so say nothing
}

// ---------------------------------------------------------------------------------------------
// Tokens and a precedence-climbing parser over them.

const TOKEN = /\s*(?:(0[xX][0-9a-fA-F]+|\d+)[uUlL]*|([A-Za-z_]\w*)|(<<|>>|<=|>=|==|!=|&&|\|\||[-+*/%<>!~&|^?:(),]))/y;

class Unsupported extends Error {}

function tokenize(s: string): string[] {
  const out: string[] = [];
  TOKEN.lastIndex = 0;
  let at = 0;
  while (at < s.length) {
    if (/^\s*$/.test(s.slice(at))) break;
    TOKEN.lastIndex = at;
    const m = TOKEN.exec(s);
    if (!m) throw new Unsupported(`cannot read "${s.slice(at, at + 20)}"`);
    out.push(m[1] ?? m[2] ?? m[3]);
    at = TOKEN.lastIndex;
  }
  return out;
}

const BINARY: Record<string, number> = {
  '*': 10,
  '/': 10,
  '%': 10,
  '+': 9,
  '-': 9,
  '<<': 8,
  '>>': 8,
  '<': 7,
  '<=': 7,
  '>': 7,
  '>=': 7,
  '==': 6,
  '!=': 6,
  '&': 5,
  '^': 4,
  '|': 3,
  '&&': 2,
  '||': 1,
};

class Parser {
  private i = 0;
  constructor(
    private readonly toks: string[],
    private readonly ctx: CppContext,
  ) {}

  parse(): Val {
    const v = this.ternary();
    if (this.i < this.toks.length) throw new Unsupported(`unexpected "${this.toks[this.i]}"`);
    return v;
  }

  private peek(): string | undefined {
    return this.toks[this.i];
  }
  private next(): string {
    const t = this.toks[this.i++];
    if (t === undefined) throw new Unsupported('unexpected end');
    return t;
  }
  private expect(t: string): void {
    if (this.next() !== t) throw new Unsupported(`expected "${t}"`);
  }

  private ternary(): Val {
    const c = this.binary(1);
    if (this.peek() !== '?') return c;
    this.i++;
    const a = this.ternary();
    this.expect(':');
    const b = this.ternary();
    if (c === undefined) return a === b ? a : undefined;
    return c !== 0 ? a : b;
  }

  private binary(minPrec: number): Val {
    let left = this.unary();
    for (;;) {
      const op = this.peek();
      const prec = op !== undefined ? BINARY[op] : undefined;
      if (prec === undefined || prec < minPrec) return left;
      this.i++;
      const right = this.binary(prec + 1);
      left = apply(op!, left, right);
    }
  }

  private unary(): Val {
    const t = this.next();
    switch (t) {
      case '!': {
        const v = this.unary();
        return v === undefined ? undefined : v === 0 ? 1 : 0;
      }
      case '-': {
        const v = this.unary();
        return v === undefined ? undefined : -v;
      }
      case '+':
        return this.unary();
      case '~': {
        const v = this.unary();
        return v === undefined ? undefined : ~v;
      }
      case '(': {
        const v = this.ternary();
        this.expect(')');
        return v;
      }
      default:
    }
    if (/^\d/.test(t)) return Number(t.replace(/[uUlL]+$/, ''));
    if (t === 'defined') {
      const paren = this.peek() === '(';
      if (paren) this.i++;
      const name = this.next();
      if (paren) this.expect(')');
      const d = lookup(name, this.ctx).defined;
      return d === undefined ? undefined : d ? 1 : 0;
    }
    if (this.peek() === '(') return this.call(t);
    return lookup(t, this.ctx).value;
  }

  /** include/linux/kconfig.h's tests, and `__has_attribute`-like builtins (unknown). */
  private call(fn: string): Val {
    this.expect('(');
    const args: string[][] = [[]];
    let depth = 0;
    for (;;) {
      const t = this.next();
      if (t === '(') depth++;
      if (t === ')') {
        if (depth === 0) break;
        depth--;
      }
      if (t === ',' && depth === 0) {
        args.push([]);
        continue;
      }
      args[args.length - 1].push(t);
    }
    const opt = args[0].length === 1 ? args[0][0] : undefined;
    const state = opt?.startsWith('CONFIG_') ? this.ctx.config.values.get(opt) : undefined;
    const known = opt?.startsWith('CONFIG_') ?? false;
    switch (fn) {
      case 'IS_ENABLED':
        if (known) return state === 'y' || state === 'm' ? 1 : 0;
        break;
      case 'IS_BUILTIN':
        if (known) return state === 'y' ? 1 : 0;
        break;
      case 'IS_MODULE':
        if (known) return state === 'm' ? 1 : 0;
        break;
      case 'IS_REACHABLE':
        if (known) {
          if (state === 'y') return 1;
          if (state !== 'm') return 0;
          return this.ctx.module === undefined ? undefined : this.ctx.module ? 1 : 0;
        }
        break;
      case '__is_defined':
        if (opt) {
          const d = lookup(opt, this.ctx).defined;
          return d === undefined ? undefined : d ? 1 : 0;
        }
        break;
      default:
    }
    return undefined;
  }
}

function apply(op: string, a: Val, b: Val): Val {
  // && and || decide with one side alone when that side does.
  if (op === '&&') return a === 0 || b === 0 ? 0 : a === undefined || b === undefined ? undefined : 1;
  if (op === '||')
    return (a !== undefined && a !== 0) || (b !== undefined && b !== 0) ? 1 : a === undefined || b === undefined ? undefined : 0;
  if (a === undefined || b === undefined) return undefined;
  switch (op) {
    case '*':
      return a * b;
    case '/':
      return b === 0 ? undefined : Math.trunc(a / b);
    case '%':
      return b === 0 ? undefined : a % b;
    case '+':
      return a + b;
    case '-':
      return a - b;
    case '<<':
      return a * 2 ** b;
    case '>>':
      return Math.floor(a / 2 ** b);
    case '<':
      return a < b ? 1 : 0;
    case '<=':
      return a <= b ? 1 : 0;
    case '>':
      return a > b ? 1 : 0;
    case '>=':
      return a >= b ? 1 : 0;
    case '==':
      return a === b ? 1 : 0;
    case '!=':
      return a !== b ? 1 : 0;
    case '&':
      return a & b;
    case '^':
      return a ^ b;
    case '|':
      return a | b;
    default:
      return undefined;
  }
}

/** Evaluate an `#if` expression: true, false, or undefined when it depends on what kpath cannot know. */
export function evalCondition(expr: string, ctx: CppContext): Tri {
  let v: Val;
  try {
    v = new Parser(tokenize(expr), ctx).parse();
  } catch (e) {
    if (e instanceof Unsupported) return undefined;
    throw e;
  }
  return v === undefined ? undefined : v !== 0;
}

/** The first identifier of an expression kpath could not evaluate, for the reason shown to the user. */
export function unknownPart(expr: string, ctx: CppContext): string | undefined {
  let toks: string[];
  try {
    toks = tokenize(expr);
  } catch {
    return expr;
  }
  return toks.find(
    (t) =>
      /^[A-Za-z_]/.test(t) && t !== 'defined' && !/^IS_(ENABLED|BUILTIN|MODULE|REACHABLE)$/.test(t) && lookup(t, ctx).defined === undefined,
  );
}
