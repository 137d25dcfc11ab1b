// Macros as text: the body of a function-like macro made parseable C with its parameters left open
// (see MacroTemplate in facts.ts), and the macros a file invokes at file scope, which tree-sitter
// reads in as many shapes as there are macros (`static DEVICE_ATTR_RO(x);` is a declaration of
// `x`, `KVM_X86_OP(vcpu_run)` with no `;` an error) and a line scan reads in one.
import type { Expr } from './facts';
import { TEMPLATE_PARAM, TEMPLATE_PASTE } from './facts';

/** How a macro body reads as C: an initializer list, declarations, statements or an expression. */
export type BodyForm = 'init' | 'decl' | 'stmt' | 'expr';

const TYPE_START =
  /^(?:static|extern|const|volatile|struct|union|enum|typedef|unsigned|signed|int|void|char|bool|long|short|u8|u16|u32|u64|s8|s16|s32|s64|__u\d+|__s\d+)\b/;

/**
 * The body of `#define name(params) body` as C text: backslash-newlines joined, each parameter
 * renamed to TEMPLATE_PARAM(i) (cpp substitutes whole tokens, field names and designators included),
 * `a ## b` joined into one name through TEMPLATE_PASTE, `#x` (a string) left as an empty string.
 */
export function templateText(params: string[], body: string): string {
  let text = body.replace(/\\\r?\n/g, ' ');
  // `, ##__VA_ARGS__` drops the comma when there are no extra arguments: the arguments are kept.
  text = text.replace(/,\s*##\s*__VA_ARGS__/g, ', __VA_ARGS__');
  const index = new Map<string, number>();
  params.forEach((p, i) => index.set(p === '...' ? '__VA_ARGS__' : p.replace(/\.\.\.$/, ''), i));
  return text.replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|\s*##\s*|#\s*[A-Za-z_]\w*|[A-Za-z_]\w*/g, (tok) => {
    if (tok.startsWith('"') || tok.startsWith("'")) return tok;
    if (tok.includes('##')) return TEMPLATE_PASTE;
    if (tok.startsWith('#')) return '""';
    const i = index.get(tok);
    return i === undefined ? tok : TEMPLATE_PARAM(i);
  });
}

export function bodyForm(text: string): BodyForm {
  const b = text.trim();
  if (b.startsWith('{')) return /^\{\s*(?:[.[{]|\}|$)/.test(b) ? 'init' : 'stmt';
  if (/^do\b/.test(b)) return 'stmt';
  if (TYPE_START.test(b) && !/^\w+\s*\(/.test(b)) return 'decl';
  // `type name = …` / `type *name;` with a typedef'd type.
  if (/^[A-Za-z_]\w*\s+\**\s*[A-Za-z_]\w*\s*(?:=|;|\[)/.test(b)) return 'decl';
  return b.includes(';') ? 'stmt' : 'expr';
}

// Attributes written as macros between a declarator and its `=` or `;`, which the grammar cannot place.
const ATTRIBUTE =
  /\b(?:__attribute__|__aligned|__section|__used|__maybe_unused|__read_mostly|__ro_after_init|__initdata|__initconst|__refdata|__cacheline_aligned(?:_in_smp)?|____cacheline_aligned(?:_in_smp)?|__visible|__weak|__always_unused|__packed|__randomize_layout|__percpu|__init|__exit|__noinitretpoline|__nocfi)\b/g;

/** `text` without attribute macros and their parenthesized arguments. */
function stripAttributes(text: string): string {
  let out = '';
  let from = 0;
  for (const m of text.matchAll(ATTRIBUTE)) {
    if (m.index! < from) continue;
    out += text.slice(from, m.index);
    let i = m.index! + m[0].length;
    while (i < text.length && /\s/.test(text[i])) i++;
    if (text[i] === '(') {
      let depth = 0;
      for (; i < text.length; i++) {
        if (text[i] === '(') depth++;
        else if (text[i] === ')' && --depth === 0) {
          i++;
          break;
        }
      }
    }
    from = i;
  }
  return out + text.slice(from);
}

/** The C text a body of `form` is parsed as; the value or body of `__kp_macro` is the macro's body. */
export function wrapBody(form: BodyForm, text: string): string {
  if (form === 'decl') text = stripAttributes(text);
  switch (form) {
    case 'init':
      return `__kp_t __kp_macro = ${text};\n`;
    case 'expr':
      return `int __kp_macro = (${text});\n`;
    case 'stmt':
      return `void __kp_macro(void)\n{\n${text};\n}\n`;
    case 'decl':
      return `${text};\n`;
  }
}

/** A macro invoked at file scope: `DEFINE_SHOW_ATTRIBUTE(foo);`, `static DEVICE_ATTR_RO(bar);`. */
export interface TextUse {
  name: string;
  args: string[];
  line: number;
  col: number;
  defines: boolean;
}

// Words that may stand before a use without making the statement something else.
const QUALIFIERS = new Set([
  'static',
  'const',
  'extern',
  '__maybe_unused',
  '__used',
  '__init',
  '__initdata',
  '__initconst',
  '__read_mostly',
  '__ro_after_init',
  '__refdata',
  '__visible',
]);
// Uses that never store anything a call resolves through: left out to keep the facts small.
const NOISE =
  /^(?:EXPORT_|MODULE_|module_param|TRACE_|DEFINE_EVENT|DECLARE_EVENT|__setup$|early_param$|\w*initcall\w*$|static_assert$|BUILD_BUG_ON|__printf$|__diag|_Static_assert$|asm$|__asm__$|BTF_|ALLOW_ERROR_INJECTION$|NOKPROBE_SYMBOL$|KCSAN_)/;

/**
 * The macro invocations at file scope (brace depth 0, at the start of a statement), with their
 * arguments as text. Comments, strings and preprocessor lines are skipped. `defines` is set when a
 * `{` follows (`SYSCALL_DEFINE3(send, …) {`): a function-defining macro, not a use.
 */
export function scanFileScopeUses(text: string, origin: { row: number; column: number } = { row: 0, column: 0 }): TextUse[] {
  const out: TextUse[] = [];
  const n = text.length;
  let depth = 0;
  let start = true;
  let line = 0;
  let lineStart = 0;
  let atLineStart = true;
  for (let i = 0; i < n;) {
    const c = text.charCodeAt(i);
    if (c === 10) {
      line++;
      lineStart = i + 1;
      atLineStart = true;
      i++;
      continue;
    }
    if (c === 32 || c === 9 || c === 13 || c === 12) {
      i++;
      continue;
    }
    if (c === 47 && text.charCodeAt(i + 1) === 42) {
      // /* … */
      const end = text.indexOf('*/', i + 2);
      const stop = end < 0 ? n : end + 2;
      for (let j = i; j < stop; j++)
        if (text.charCodeAt(j) === 10) {
          line++;
          lineStart = j + 1;
        }
      i = stop;
      continue;
    }
    if (c === 47 && text.charCodeAt(i + 1) === 47) {
      const nl = text.indexOf('\n', i);
      i = nl < 0 ? n : nl;
      continue;
    }
    if (c === 35 && atLineStart) {
      // a directive, through its continuations
      let j = i;
      for (;;) {
        const nl = text.indexOf('\n', j);
        if (nl < 0) {
          j = n;
          break;
        }
        let k = nl - 1;
        if (text.charCodeAt(k) === 13) k--;
        if (text.charCodeAt(k) !== 92) {
          j = nl;
          break;
        }
        line++;
        lineStart = nl + 1;
        j = nl + 1;
      }
      i = j;
      if (depth === 0) start = true;
      continue;
    }
    atLineStart = false;
    if (c === 34 || c === 39) {
      i = skipQuoted(text, i);
      start = false;
      continue;
    }
    if (c === 123 || c === 40 || c === 91) {
      depth++;
      start = false;
      i++;
      continue;
    }
    if (c === 125 || c === 41 || c === 93) {
      if (depth > 0) depth--;
      if (depth === 0 && c === 125) start = true;
      i++;
      continue;
    }
    if (c === 59) {
      if (depth === 0) start = true;
      i++;
      continue;
    }
    if (isWordStart(c)) {
      let j = i + 1;
      while (j < n && isWordPart(text.charCodeAt(j))) j++;
      const word = text.slice(i, j);
      if (depth === 0 && start && !QUALIFIERS.has(word)) {
        let k = j;
        while (k < n && (text.charCodeAt(k) === 32 || text.charCodeAt(k) === 9)) k++;
        if (text.charCodeAt(k) === 40 && !NOISE.test(word)) {
          const close = matchParen(text, k);
          if (close > 0) {
            const args = splitArgs(text.slice(k + 1, close));
            let m = close + 1;
            while (m < n && /\s/.test(text[m])) m++;
            // `text` begins at `origin` (a tree's root begins at its first token).
            out.push({
              name: word,
              args,
              line: line + origin.row,
              col: i - lineStart + (line === 0 ? origin.column : 0),
              defines: text.charCodeAt(m) === 123,
            });
            for (let q = i; q < close; q++)
              if (text.charCodeAt(q) === 10) {
                line++;
                lineStart = q + 1;
              }
            i = close + 1;
            // A list of uses without `;` (`KVM_X86_OP(a)` lines): the next one starts a statement too.
            start = true;
            continue;
          }
        }
        start = false;
      }
      i = j;
      continue;
    }
    if (depth === 0) start = false;
    i++;
  }
  return out;
}

const isWordStart = (c: number): boolean => (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;
const isWordPart = (c: number): boolean => isWordStart(c) || (c >= 48 && c <= 57);

function skipQuoted(text: string, i: number): number {
  const q = text.charCodeAt(i);
  for (let j = i + 1; j < text.length; j++) {
    const c = text.charCodeAt(j);
    if (c === 92) {
      j++;
      continue;
    }
    if (c === q || c === 10) return j + 1;
  }
  return text.length;
}

/** The index of the `)` closing the `(` at `open`, or -1 (strings skipped; at most 20,000 characters on). */
function matchParen(text: string, open: number): number {
  let depth = 0;
  const limit = Math.min(text.length, open + 20_000);
  for (let i = open; i < limit; i++) {
    const c = text.charCodeAt(i);
    if (c === 34 || c === 39) {
      i = skipQuoted(text, i) - 1;
      continue;
    }
    if (c === 40) depth++;
    else if (c === 41 && --depth === 0) return i;
  }
  return -1;
}

/** `a, (b, c), d` → ['a', '(b, c)', 'd']. */
export function splitArgs(inner: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let from = 0;
  for (let i = 0; i < inner.length; i++) {
    const c = inner.charCodeAt(i);
    if (c === 34 || c === 39) {
      i = skipQuoted(inner, i) - 1;
      continue;
    }
    if (c === 40 || c === 91 || c === 123) depth++;
    else if (c === 41 || c === 93 || c === 125) depth--;
    else if (c === 44 && depth === 0) {
      out.push(inner.slice(from, i).trim());
      from = i + 1;
    }
  }
  const last = inner.slice(from).trim();
  if (last || out.length) out.push(last);
  return out;
}

/** An argument written at file scope, as far as resolution reads it: a name, or `&name`. */
export function argExpr(text: string): Expr {
  const t = text.replace(/\/\*[\s\S]*?\*\//g, '').trim();
  if (/^[A-Za-z_]\w*$/.test(t)) return { k: 'name', n: t };
  const m = /^&\s*([A-Za-z_]\w*)$/.exec(t);
  return m ? { k: 'addr', e: { k: 'name', n: m[1] } } : { k: 'other' };
}
